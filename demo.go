// Package dossierd holds what the binary ships besides code: the demo
// directory of `dossierd serve --demo` (testdata/demo), embedded so that
// the binary works from any folder.
package dossierd

import "embed"

// Demo is testdata/demo: directory.json (the import shape of SPEC section
// 7) and storage/ (sample PDFs laid out as the storage root).
//
//go:embed testdata/demo
var Demo embed.FS
