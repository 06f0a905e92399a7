// Package telemetry serves what monitoring asks of a running dossierd:
// /metrics in the Prometheus text format and /healthz, on the listener of
// telemetry.bind_address|bind_port (SFTPGo's keys).
//
// The metrics use prometheus/client_golang rather than hand-written text:
// the format (escaping, histograms, HELP/TYPE lines) comes out right, and
// its Go and process collectors give memory, GC, goroutines, descriptors
// and CPU, which administrators expect next to the server's own numbers.
package telemetry

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dossierd/dossierd/service"
)

// Metrics is the registry of dossierd's metrics. It implements
// service.Metrics; no label names a login, so the number of series stays
// bounded whatever the directory holds.
type Metrics struct {
	registry      *prometheus.Registry
	conns         *prometheus.GaugeVec
	logins        *prometheus.CounterVec
	transfers     *prometheus.CounterVec
	bytes         *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	refusedNames  *prometheus.CounterVec
	bans          prometheus.Counter
	generation    prometheus.Gauge
	dirChanged    prometheus.Gauge
	lastGen       atomic.Int64
	sawGeneration atomic.Bool
}

var _ service.Metrics = (*Metrics)(nil)

// Label values every series is created with, so that a dashboard sees 0
// rather than no series before the first event.
var (
	protocols  = []string{"sftp", "ftp", "ftps"}
	directions = []string{service.DirectionUpload, service.DirectionDownload}
	logins     = []string{service.LoginOK, service.LoginFailed, service.LoginRefused}
	transfers  = []string{service.TransferOK, service.TransferFailed, service.TransferInterrupted, service.TransferCancelled}
)

// NewMetrics makes the registry. auditQueue reports the events waiting
// for the audit writer (audit.Recorder.Len).
func NewMetrics(auditQueue func() int) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dossierd_connections_open", Help: "Logged-in connections open, by protocol.",
		}, []string{"protocol"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dossierd_logins_total",
			Help: "Login attempts by protocol and result: ok, failed (wrong credentials), refused (account disabled, expired or at its connection limit).",
		}, []string{"protocol", "result"}),
		transfers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dossierd_transfers_total",
			Help: "Uploads and downloads ended, by protocol, direction and result: ok, failed, interrupted (connection cut), cancelled (deleted during upload).",
		}, []string{"protocol", "direction", "result"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dossierd_transfer_bytes_total", Help: "Bytes of file data transferred, by protocol and direction, whatever the result.",
		}, []string{"protocol", "direction"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "dossierd_transfer_duration_seconds", Help: "Duration of the transfers that succeeded, by protocol and direction.",
			// 10 ms to 44 minutes: a small PDF on a LAN to a video over a poor line.
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"protocol", "direction"}),
		refusedNames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dossierd_refused_names_total", Help: "Operations refused by the filename policy, by protocol.",
		}, []string{"protocol"}),
		bans: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dossierd_bans_total", Help: "Addresses banned by the defender since start.",
		}),
		generation: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dossierd_directory_generation", Help: "The directory's generation counter, as last polled; it grows with every change.",
		}),
		dirChanged: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dossierd_directory_last_change_timestamp_seconds",
			Help: "Unix time the daemon saw the directory change (an import or an admin command), within data_provider.poll_interval; 0 if it has not changed since start.",
		}),
	}
	auditQueueLen := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "dossierd_audit_queue_length", Help: "Audit events waiting to be written to the database.",
	}, func() float64 { return float64(auditQueue()) })
	m.registry.MustRegister(m.conns, m.logins, m.transfers, m.bytes, m.duration, m.refusedNames, m.bans,
		m.generation, m.dirChanged, auditQueueLen,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, p := range protocols {
		m.conns.WithLabelValues(p)
		m.refusedNames.WithLabelValues(p)
		for _, r := range logins {
			m.logins.WithLabelValues(p, r)
		}
		for _, d := range directions {
			m.bytes.WithLabelValues(p, d)
			m.duration.WithLabelValues(p, d)
			for _, r := range transfers {
				m.transfers.WithLabelValues(p, d, r)
			}
		}
	}
	return m
}

// Registry is what /metrics serves.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

func (m *Metrics) ConnOpened(protocol string) { m.conns.WithLabelValues(protocol).Inc() }

func (m *Metrics) ConnClosed(protocol string) { m.conns.WithLabelValues(protocol).Dec() }

func (m *Metrics) Login(protocol, result string) { m.logins.WithLabelValues(protocol, result).Inc() }

func (m *Metrics) Transfer(protocol, direction, result string, bytes int64, d time.Duration) {
	m.transfers.WithLabelValues(protocol, direction, result).Inc()
	m.bytes.WithLabelValues(protocol, direction).Add(float64(bytes))
	if result == service.TransferOK {
		m.duration.WithLabelValues(protocol, direction).Observe(d.Seconds())
	}
}

func (m *Metrics) NameRefused(protocol string) { m.refusedNames.WithLabelValues(protocol).Inc() }

func (m *Metrics) DirectoryGeneration(gen int64) {
	m.generation.Set(float64(gen))
	if old := m.lastGen.Swap(gen); m.sawGeneration.Swap(true) && old != gen {
		m.dirChanged.SetToCurrentTime()
	}
}

// Ban counts a ban (the defender's OnBan).
func (m *Metrics) Ban() { m.bans.Inc() }
