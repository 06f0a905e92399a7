//go:build !linux

package sftpd

// setQuickAck is Linux's TCP_QUICKACK; other systems keep their default.
func setQuickAck(uintptr) {}
