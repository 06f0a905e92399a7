package auth

import (
	"sync"
	"testing"
	"time"
)

func TestVerifierCachesSuccessOnly(t *testing.T) {
	v := newVerifier()
	hash, err := HashPassword("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if ok, err := v.verify(hash, "s3cret"); !ok || err != nil {
		t.Fatalf("verify = %v, %v", ok, err)
	}
	if !v.cached(hash, v.mac(hash, "s3cret"), time.Now()) {
		t.Fatal("a successful verification was not remembered")
	}
	if ok, _ := v.verify(hash, "wrong"); ok {
		t.Fatal("a wrong password passed")
	}
	if v.cached(hash, v.mac(hash, "wrong"), time.Now()) {
		t.Fatal("a failure was remembered")
	}
	// Another hash (the password was changed) does not hit the old entry.
	other, _ := HashPassword("s3cret")
	if v.cached(other, v.mac(other, "s3cret"), time.Now()) {
		t.Fatal("cache keyed by something other than the stored hash")
	}
	if v.cached(hash, v.mac(hash, "s3cret"), start.Add(2*verifiedTTL)) {
		t.Fatal("entry outlived its TTL")
	}
}

func TestVerifierConcurrentLogins(t *testing.T) {
	v := newVerifier()
	hash, _ := HashPassword("pw")
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := v.verify(hash, "pw"); !ok || err != nil {
				errs <- "refused"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
