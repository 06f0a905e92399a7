// Package catalogue holds every sentence a user or an administrator reads,
// French first, English second: refusals over every protocol, banners,
// the filename policy's explanations. A sentence is a T, one format per
// language with the same verbs in the same order; code never assembles a
// user's sentence from pieces of its own.
//
// The language is the server's (common.language), set once at start: the
// users of one training centre share it, and a refusal built deep in vfs
// has no request to read a preference from.
package catalogue

import (
	"fmt"
	"sync/atomic"
)

// Language is common.language.
type Language string

const (
	French  Language = "fr"
	English Language = "en"
)

// Languages lists the supported languages, the default first.
var Languages = []Language{French, English}

var current atomic.Value // Language

func init() { current.Store(French) }

// Set chooses the language of every sentence built from now on.
func Set(l Language) { current.Store(l) }

// Current is the language in force.
func Current() Language { return current.Load().(Language) }

// Parse reads common.language.
func Parse(s string) (Language, error) {
	for _, l := range Languages {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("%q is not a supported language (fr, en)", s)
}

// T is one sentence in each language.
type T struct{ FR, EN string }

// F formats the sentence in the current language.
func (t T) F(args ...any) string { return t.In(Current(), args...) }

// In formats the sentence in language l.
func (t T) In(l Language, args ...any) string {
	format := t.FR
	if l == English {
		format = t.EN
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// String is the sentence without arguments, in the current language.
func (t T) String() string { return t.F() }

// Errorf is fmt.Errorf with the sentence t, in the current language, as
// its format: %w wraps a cause, as it does for fmt.Errorf.
func Errorf(t T, args ...any) error {
	format := t.FR
	if Current() == English {
		format = t.EN
	}
	return fmt.Errorf(format, args...)
}

// Error is an error whose text is the sentence t in the server's
// language; comparing with == or errors.Is keeps working whatever the
// language.
func Error(t T) error { return &sentenceError{t} }

type sentenceError struct{ t T }

func (e *sentenceError) Error() string { return e.t.F() }

// Megabytes writes a byte count as the MB figure users set and read
// (1 MB = 1 MiB, as file managers count): "2048 Mo", "0.5 MB".
func Megabytes(n int64) string {
	const mb = 1 << 20
	if n%mb == 0 || n >= 100*mb {
		return megabytes.F(fmt.Sprint(n / mb))
	}
	return megabytes.F(fmt.Sprintf("%.1f", float64(n)/mb))
}

var megabytes = T{"%s Mo", "%s MB"}
