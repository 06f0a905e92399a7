// A dossierd webhook receiver: checks the signature, prints the event.
// SECRET='the webhook secret' ADDR=127.0.0.1:8080 go run receiver.go
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(os.Getenv("SECRET")))
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Dossierd-Signature"))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		// At least once: an id already handled may come again; skip it.
		fmt.Println(r.Header.Get("X-Dossierd-Event-Id"), string(body))
	})
	fmt.Fprintln(os.Stderr, http.ListenAndServe(os.Getenv("ADDR"), nil))
}
