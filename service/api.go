package service

import (
	"context"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/vfs"
)

// What the REST API (package api) needs of the core beyond a front-end's
// operations.

// Tree builds the tree account sees with the layout in force: the API's
// answer to "what does LOGIN see", and how it finds where on disk a path
// of the audit trail is.
func (s *Service) Tree(ctx context.Context, a auth.Account) (*vfs.Tree, error) {
	return s.tree(ctx, a)
}

// OpenFixed is Open for an identity that is not an account of the
// directory (an API key's: role staff, a login of its own): the
// connection is not closed when the directory changes for want of that
// account; its tree follows the layout like any other.
func (s *Service) OpenFixed(ctx context.Context, a auth.Account, protocol, remote string, kick func(reason string)) (*Conn, error) {
	return s.open(ctx, a, protocol, remote, kick, true)
}

// Refuse drops an upload whose content the server will not keep (a
// checksum that does not match, a request body cut short): nothing is
// published in any upload mode, not even mode 2's partial file, which an
// HTTP client has no way to resume. It is audited and logged as refused
// for err. The upload must not be used afterwards.
func (u *Upload) Refuse(err error) {
	u.discard(err)
	u.c.refused("upload", u.Path(), err)
}
