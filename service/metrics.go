package service

import (
	"errors"
	"strings"
	"time"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/vfs"
)

// Metrics receives what the service sees of every connection, whatever
// its protocol, for telemetry. The service counts here rather than the
// adapters so that SFTP and FTP are counted by the same rules. protocol is
// "sftp", "ftp" or "ftps". Implementations must be safe for concurrent use
// and must not block.
type Metrics interface {
	ConnOpened(protocol string)
	ConnClosed(protocol string)
	Login(protocol, result string)
	// Transfer is one download or upload ended; bytes is what crossed the
	// connection, also for one that did not succeed.
	Transfer(protocol, direction, result string, bytes int64, d time.Duration)
	// NameRefused is an operation refused by the filename policy.
	NameRefused(protocol string)
	// DirectoryGeneration is the directory's generation counter, given at
	// each poll (auth.Store.Generation).
	DirectoryGeneration(gen int64)
}

// Login results.
const (
	LoginOK      = "ok"
	LoginFailed  = "failed"  // wrong or unknown credentials
	LoginRefused = "refused" // right credentials, but the account may not log in now (disabled, expired, too many connections)
)

// Transfer directions and results.
const (
	DirectionUpload   = "upload"
	DirectionDownload = "download"

	TransferOK          = "ok"
	TransferFailed      = "failed"
	TransferInterrupted = "interrupted" // the connection ended before the end of the file
	TransferCancelled   = "cancelled"   // the file was deleted during its upload
)

// noMetrics is the Metrics of a service without telemetry.
type noMetrics struct{}

func (noMetrics) ConnOpened(string)                                     {}
func (noMetrics) ConnClosed(string)                                     {}
func (noMetrics) Login(string, string)                                  {}
func (noMetrics) Transfer(string, string, string, int64, time.Duration) {}
func (noMetrics) NameRefused(string)                                    {}
func (noMetrics) DirectoryGeneration(int64)                             {}

// metricProtocol is a Conn.Protocol as a label value.
func metricProtocol(p string) string { return strings.ToLower(p) }

// count derives the metrics of one audited operation.
func (c *Conn) count(action string, bytes int64, d time.Duration, err error) {
	m, proto := c.svc.o().Metrics, metricProtocol(c.Protocol)
	if errors.Is(err, vfs.ErrName) {
		m.NameRefused(proto)
	}
	switch action {
	case audit.Upload:
		m.Transfer(proto, DirectionUpload, transferResult(err), bytes, d)
	case audit.Download:
		m.Transfer(proto, DirectionDownload, transferResult(err), bytes, d)
	}
}

// transferResult classifies the error a transfer was audited with: the
// core's own (service/ops.go) says which it is.
func transferResult(err error) string {
	switch {
	case err == nil:
		return TransferOK
	case errors.Is(err, vfs.ErrCancelled):
		return TransferCancelled
	case errors.Is(err, ErrInterrupted):
		return TransferInterrupted
	}
	return TransferFailed
}
