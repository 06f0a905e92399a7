package tmsimport

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/dossierd/dossierd/catalogue"
)

// decodeText turns the bytes of an import file into UTF-8 text.
//
// Office software on Windows writes CSV as UTF-8 with a BOM ("CSV UTF-8"),
// as Windows-1252 (plain "CSV" on a French Windows), or as UTF-16 with a
// BOM ("Unicode text"). A BOM says which; without one, text that is valid
// UTF-8 is UTF-8 (pure ASCII is both), and anything else is taken for
// Windows-1252: accented letters in Windows-1252 (0xE9 for "é") are almost
// never valid UTF-8 sequences, so the guess is safe in practice.
//
// The error names the first byte that Windows-1252 does not define (0x81,
// 0x8D, 0x8F, 0x90, 0x9D): such a file is in some other encoding (an old
// DOS code page, Mac Roman) and decoding it would silently garble names.
func decodeText(data []byte) (text string, encoding string, err error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		encoding = "UTF-8 with BOM"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		// The BOM decoder reads the byte order from the BOM and drops it.
		out, derr := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if derr != nil {
			return "", "UTF-16", catalogue.Errorf(catalogue.NotUTF16, derr)
		}
		return string(out), "UTF-16", nil
	default:
		encoding = "UTF-8"
	}
	if utf8.Valid(data) {
		return string(data), encoding, nil
	}
	for i, c := range data {
		switch c {
		case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
			line := 1 + bytes.Count(data[:i], []byte{'\n'})
			return "", "Windows-1252", catalogue.Errorf(catalogue.NotUTF8Nor1252, c, line)
		}
	}
	out, derr := charmap.Windows1252.NewDecoder().Bytes(data)
	if derr != nil {
		return "", "Windows-1252", catalogue.Errorf(catalogue.Not1252, derr)
	}
	return string(out), "Windows-1252", nil
}
