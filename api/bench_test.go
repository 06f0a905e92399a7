package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCalls: what one call costs over loopback HTTP (key check,
// audit event, route): a small JSON answer, and a 1 MiB upload and
// download through the key's connection.
func BenchmarkCalls(b *testing.B) {
	e := newEnv(b)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	key := "Bearer " + e.keys["tms"]
	call := func(method, path string, body []byte) {
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			b.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	mib := bytes.Repeat([]byte("x"), 1<<20)
	b.Run("GET account", func(b *testing.B) {
		for b.Loop() {
			call("GET", "/api/v1/accounts/acme", nil)
		}
	})
	b.Run("PUT 1MiB", func(b *testing.B) {
		b.SetBytes(1 << 20)
		i := 0
		for b.Loop() {
			call("PUT", fmt.Sprintf("/api/v1/files/clients/C0042/f%d.bin", i%20), mib)
			i++
		}
	})
	b.Run("GET 1MiB", func(b *testing.B) {
		b.SetBytes(1 << 20)
		for b.Loop() {
			call("GET", "/api/v1/files/clients/C0042/f0.bin", nil)
		}
	})
}
