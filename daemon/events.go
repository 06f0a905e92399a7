package daemon

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/events"
	"github.com/dossierd/dossierd/service"
)

// openEvents opens the outbox of events.webhooks on the directory
// database; nil when no webhook is configured.
func openEvents(ctx context.Context, cfg *config.Config, dir *Directory, log *slog.Logger) (*events.Outbox, error) {
	if len(cfg.Events.Webhooks) == 0 {
		return nil, nil
	}
	return events.Open(ctx, dir.Store.DB(), events.Options{Webhooks: cfg.Events.Webhooks, RetryHours: cfg.Events.RetryHours, Logger: log})
}

// serviceEvents is the outbox as the service takes it: a nil interface,
// not a nil pointer, when there is none.
func (d *Daemon) serviceEvents() service.Events {
	if d.Events == nil {
		return nil
	}
	return d.Events
}

// runEvents delivers the outbox and follows the accounts (account_disabled)
// until ctx ends.
func (d *Daemon) runEvents(ctx context.Context, wg *sync.WaitGroup) {
	if d.Events == nil {
		return
	}
	poll := time.Duration(d.Config.DataProvider.PollInterval) * time.Second
	wg.Go(func() { d.Events.Deliver(ctx) })
	wg.Go(func() { d.Events.WatchAccounts(ctx, d.Store, poll) })
}
