// Package demo is the demo directory of `dossierd serve --demo`: accounts,
// sessions and enrollments in the import's JSON shape (SPEC section 7) and
// sample PDFs laid out as a storage root, embedded so that the binary works
// from any folder. The scenario tests and the benchmarks run on it too.
package demo

import "embed"

// data is data/: directory.json and storage/ (the files, laid out as the
// storage root of SPEC section 2).
//
//go:embed data
var data embed.FS

const (
	directoryFile = "data/directory.json"
	storageDir    = "data/storage"
)

// Directory returns directory.json, the demo directory in the import's
// JSON shape, with each account's clear password.
func Directory() []byte {
	b, err := data.ReadFile(directoryFile)
	if err != nil {
		panic("demo: " + err.Error()) // embedded: cannot be missing
	}
	return b
}
