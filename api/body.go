package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/tmsimport"
)

// readJSON reads a JSON body whole (bounded by MaxBodyBytes) and checks
// its syntax; a problem (400) says where it is malformed: the byte, the
// line and the pointer of the member being read.
func (c *call) readJSON() ([]byte, error) {
	data, err := c.readBody()
	if err != nil {
		return nil, err
	}
	if p := syntaxProblem(data); p != nil {
		return nil, p
	}
	return data, nil
}

// readBody reads the body whole, bounded by MaxBodyBytes.
func (c *call) readBody() ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, c.h.o.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &problem{Type: "too-large", Status: http.StatusRequestEntityTooLarge, Title: catalogue.ProblemTooLarge.F(),
			Detail: catalogue.TooLarge.F(catalogue.Operation("upload"), c.r.URL.Path, catalogue.Megabytes(tooBig.Limit))}
	case err != nil:
		return nil, &problem{Type: "malformed-json", Status: http.StatusBadRequest, Title: catalogue.ProblemBadRequest.F(), Detail: err.Error()}
	}
	return data, nil
}

// syntaxProblem walks the document token by token, keeping the path of
// the value being read, so that a syntax error is reported with its
// pointer as well as its offset. nil when the document is well formed.
func syntaxProblem(data []byte) *problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object  bool
		key     string
		index   int // of the last value begun, -1 before the first
		wantKey bool
	}
	var stack []frame
	begin := func() {
		if n := len(stack); n > 0 && !stack[n-1].object {
			stack[n-1].index++
		}
	}
	pointer := func() string {
		var b strings.Builder
		for i, f := range stack {
			inner := i == len(stack)-1
			switch {
			case f.object && (!f.wantKey || !inner) && f.key != "":
				b.WriteString("/" + escapePointer(f.key))
			case !f.object && inner:
				b.WriteString("/" + strconv.Itoa(f.index+1))
			case !f.object && f.index >= 0:
				b.WriteString("/" + strconv.Itoa(f.index))
			}
		}
		return b.String()
	}
	fail := func(err error) *problem {
		// The decoder's offsets are relative to the token it was reading;
		// Unmarshal's are the document's.
		offset := int64(len(data))
		msg := err.Error()
		var se *json.SyntaxError
		if errors.As(json.Unmarshal(data, new(any)), &se) {
			offset, msg = se.Offset, se.Error()
		}
		p := &problem{Type: "malformed-json", Status: http.StatusBadRequest, Title: catalogue.ProblemBadRequest.F(),
			Pointer: pointer(), Offset: &offset, Line: 1 + bytes.Count(data[:min(int(offset), len(data))], []byte("\n"))}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			p.Detail = catalogue.ProblemTruncated.F()
		} else {
			p.Detail = catalogue.ProblemMalformed.F(offset, p.Line, msg)
		}
		return p
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) && len(stack) == 0 {
			if dec.InputOffset() == 0 || len(bytes.TrimSpace(data)) == 0 {
				return fail(io.ErrUnexpectedEOF)
			}
			return nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fail(err)
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				begin()
				stack = append(stack, frame{object: t == '{', index: -1, wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				if n := len(stack); n > 0 && stack[n-1].object {
					stack[n-1].wantKey = true
				}
			}
		default:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				// Token returns a key as a string, where a value could not be.
				stack[n-1].key, stack[n-1].wantKey = t.(string), false
				continue
			}
			begin()
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
		}
		if len(stack) == 0 && dec.More() {
			return &problem{Type: "malformed-json", Status: http.StatusBadRequest, Title: catalogue.ProblemBadRequest.F(),
				Detail: catalogue.ProblemJSONTrailing.F()}
		}
	}
}

// escapePointer escapes a member name in a JSON pointer (RFC 6901).
func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// itemRE finds the item a problem of tmsimport is about: it names JSON
// items "accounts[3]" (with the line it starts on, in the server's
// language).
var itemRE = regexp.MustCompile(`\b(accounts|sessions|enrollments)\[(\d+)\]`)

// importProblem turns a refused import into a problem (422) whose errors
// name each field as a JSON pointer ("accounts[3]" and field "ref" become
// "/accounts/3/ref"), relative to strip: the bodies of PUT
// /accounts/{login} and /sessions/{code} are one item, read as the list
// of one ("/accounts/0").
func importProblem(err error, strip string) error {
	var ie *tmsimport.Error
	if !errors.As(err, &ie) {
		return err
	}
	p := &problem{Type: "invalid", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F()}
	for _, ip := range ie.Problems {
		ptr := ""
		if m := itemRE.FindStringSubmatch(ip.Where); m != nil {
			ptr = "/" + m[1] + "/" + m[2]
		}
		text := ip.Text
		if ip.Field != "" {
			ptr += "/" + escapePointer(ip.Field)
			text = ip.Field + " " + text
		}
		if strip != "" {
			ptr = strings.TrimPrefix(ptr, strip)
		}
		p.Errors = append(p.Errors, fieldProblem{Detail: text, Pointer: ptr})
	}
	if len(p.Errors) == 1 {
		p.Detail, p.Pointer = p.Errors[0].Detail, p.Errors[0].Pointer
	} else {
		p.Detail = catalogue.ProblemInvalidN.F(len(p.Errors))
	}
	return p
}

// decodeOptional reads a small JSON object body into v, refusing unknown
// fields and wrong types with the pointer of the member; an empty body
// leaves v as it is.
func (c *call) decodeOptional(v any) error {
	data, err := c.readBody()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if p := syntaxProblem(data); p != nil {
		return p
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Field == "":
		return &problem{Type: "invalid", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F(), Detail: catalogue.ProblemNotObject.F()}
	case errors.As(err, &te):
		return &problem{Type: "invalid", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F(),
			Detail: catalogue.ProblemJSONType.F(te.Type.String(), te.Value), Pointer: "/" + strings.ReplaceAll(te.Field, ".", "/")}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return &problem{Type: "invalid", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F(),
			Detail: catalogue.ProblemJSONUnknown.F(name), Pointer: "/" + escapePointer(name)}
	}
	return &problem{Type: "invalid", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F(), Detail: err.Error()}
}
