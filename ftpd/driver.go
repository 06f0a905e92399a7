package ftpd

import (
	"context"
	"crypto/tls"
	"errors"
	"math"
	"net"
	"sync"
	"time"

	ftpserver "github.com/fclairamb/ftpserverlib"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/service"
)

// binding is ftpserverlib's MainDriver for one listening socket: TLS mode,
// passive address and certificate are per binding.
type binding struct {
	srv  *Server
	cfg  Binding
	tls  *tls.Config // for the binding's life; its certificate is cert's
	cert bindingCert
	ln   net.Listener // the TCP listener (a *ctrlListener)
	ftp  *ftpserver.FtpServer
}

var (
	_ ftpserver.MainDriver                         = (*binding)(nil)
	_ ftpserver.MainDriverExtensionUserVerifier    = (*binding)(nil)
	_ ftpserver.MainDriverExtensionPostAuthMessage = (*binding)(nil)
	_ ftpserver.MainDriverExtensionPassiveWrapper  = (*binding)(nil)
	_ ftpserver.MainDriverExtensionTLSVerifier     = (*binding)(nil)
)

// tlsRequiredMsg is what a client gets when it tries to log in in clear on
// a binding with tls_mode 1: what to change, in the client's own words.

var (
	errTLSRequired   = catalogue.Error(catalogue.FTPTLSRequired)
	errShuttingDown  = catalogue.Error(catalogue.FTPShuttingDown)
	errAlreadyLogged = catalogue.Error(catalogue.FTPAlreadyLogged)
	errLoginTime     = catalogue.Error(catalogue.FTPLoginTime)
)

func (b *binding) listen() error {
	l, err := net.Listen("tcp", b.cfg.Address)
	if err != nil {
		return err
	}
	// ftpserverlib's accept loop logs every failure and stops at one it
	// does not deem temporary: RetryListener keeps them all from it.
	rl := service.NewRetryListener(l, b.srv.log.With("address", l.Addr().String()))
	// Headers are read before ctrlListener's Admit (the client's address).
	cl := &ctrlListener{Listener: b.srv.cfg.Proxy.Listener(rl), srv: b.srv}
	if b.cfg.TLSMode == TLSImplicit {
		cl.implicit = b.tls
	}
	b.ln = cl
	b.ftp = ftpserver.NewFtpServer(b)
	b.ftp.Logger = b.srv.libLog.With("address", l.Addr().String())
	// Listen only reads the settings here: the socket is ours.
	return b.ftp.Listen()
}

// GetSettings is read once, by Listen.
func (b *binding) GetSettings() (*ftpserver.Settings, error) {
	tlsReq := ftpserver.ClearOrEncrypted
	switch b.cfg.TLSMode {
	case TLSRequired:
		tlsReq = ftpserver.MandatoryEncryption
	case TLSImplicit:
		// The listener hands out TLS connections (ctrlListener).
		tlsReq = ftpserver.ImplicitEncryption
	}
	// The library's idle timeout is off (its 0 would mean 900 s): the
	// service enforces common.idle_timeout over every protocol, and a
	// reload changes it there; before the login, sftpd.login_grace_time
	// bounds a control connection.
	idle := math.MaxInt32
	st := &ftpserver.Settings{
		Listener:          b.ln,
		PublicHost:        b.cfg.ForcePassiveIP,
		Banner:            "dossierd",
		IdleTimeout:       idle,
		ConnectionTimeout: 30,
		// Active mode, when enabled, connects from any port: port 20
		// would need root.
		ActiveTransferPortNon20: true,
		DisableActiveMode:       b.srv.cfg.DisableActiveMode,
		// SITE reaches the driver's Site, which runs none of the
		// library's SITE commands.
		DisableSite: false,
		EnableHASH:  true,
		TLSRequired: tlsReq,
		// Files travel byte for byte whatever TYPE the client chose: a
		// document must arrive with the size the listing shows and the
		// checksum HASH gives, and clients in "auto" mode pick ASCII for
		// .txt or .csv files.
		DefaultTransferType:    ftpserver.TransferTypeBinary,
		DisableASCIIConversion: true,
		// A data connection must come from the control connection's
		// address: nobody else can grab a passive port to read or feed a
		// transfer, and PORT cannot aim the server at a third host.
		PasvConnectionsCheck:   ftpserver.IPMatchRequired,
		ActiveConnectionsCheck: ftpserver.IPMatchRequired,
	}
	if b.srv.cfg.PassivePortStart > 0 {
		st.PassiveTransferPortRange = passivePorts{start: b.srv.cfg.PassivePortStart, end: b.srv.cfg.PassivePortEnd}
	}
	return st, nil
}

// ClientConnected greets a new control connection.
func (b *binding) ClientConnected(cc ftpserver.ClientContext) (string, error) {
	se := b.srv.claim(cc.RemoteAddr(), cc.LocalAddr())
	cc.SetExtra(se)
	if b.srv.closing.Load() {
		return errShuttingDown.Error(), errShuttingDown
	}
	if b.cfg.TLSMode == TLSRequired {
		return catalogue.FTPReadyTLS.F(), nil
	}
	return catalogue.FTPReady.F(), nil
}

// ClientDisconnected is called when the control connection ends, possibly
// before a transfer of this connection has finished (ftpserverlib closes
// the data connection only afterwards): the connection's files are
// released once its last transfer has closed.
func (b *binding) ClientDisconnected(cc ftpserver.ClientContext) {
	se, _ := cc.Extra().(*control)
	if se == nil {
		return
	}
	b.srv.mu.Lock()
	drv := se.drv
	b.srv.mu.Unlock()
	if drv == nil {
		if !se.tried && !b.srv.closing.Load() {
			// A scanner, or a client probing: the defender scores it.
			b.srv.svc.NoAuth(cc.RemoteAddr())
		}
		b.srv.forget(se)
		return
	}
	drained := drv.shut()
	go func() {
		<-drained
		drv.conn.Close()
		b.srv.forget(se)
	}()
}

// PreAuthUser refuses a clear-text login on a TLS-required binding, before
// the password travels, with a reply that says what to change. (The
// library's own check would only answer "TLS is required".)
func (b *binding) PreAuthUser(cc ftpserver.ClientContext, user string) error {
	if se, _ := cc.Extra().(*control); se != nil {
		se.tried = true
	}
	if b.cfg.TLSMode == TLSRequired && !cc.HasTLSForControl() {
		b.srv.log.Warn("login refused", "remote", cc.RemoteAddr().String(), "login", user, "reason", "TLS required")
		return refusal(errTLSRequired.Error(), errTLSRequired) // the reply is the sentence alone
	}
	return nil
}

// AuthUser checks the password and opens the connection's view of the tree.
func (b *binding) AuthUser(cc ftpserver.ClientContext, user, pass string) (ftpserver.ClientDriver, error) {
	se, _ := cc.Extra().(*control)
	remote := cc.RemoteAddr().String()
	if se == nil || b.srv.closing.Load() {
		return nil, errShuttingDown
	}
	se.tried = true
	if b.cfg.TLSMode == TLSRequired && !cc.HasTLSForControl() {
		// PASS without USER skips PreAuthUser.
		return nil, errTLSRequired
	}
	b.srv.mu.Lock()
	logged, expired := se.drv != nil, se.expired
	b.srv.mu.Unlock()
	if logged {
		// ftpserverlib would drop the first driver without telling us.
		return nil, errAlreadyLogged
	}
	if expired {
		return nil, errLoginTime
	}
	protocol := "FTP"
	if cc.HasTLSForControl() {
		protocol = "FTPS"
	}
	ctx := context.Background()
	a, err := b.srv.svc.CheckPassword(ctx, protocol, remote, user, pass)
	if err != nil {
		return nil, err
	}
	conn, err := b.srv.svc.Open(ctx, a, protocol, remote, func(reason string) { b.srv.kick(se, reason) })
	if err != nil {
		return nil, err
	}
	drv := &clientDriver{srv: b.srv, cc: cc, conn: conn, fs: conn.FS, log: conn.Log(), name: a.Name}
	b.srv.mu.Lock()
	expired = se.expired // while the password was being checked
	if !expired {
		se.drv = drv
		if se.grace != nil {
			se.grace.Stop()
		}
	}
	b.srv.mu.Unlock()
	if expired {
		conn.Close()
		return nil, errLoginTime
	}
	return drv, nil
}

// VerifyConnection is ftpserverlib's hook for TLS client certificates,
// called at USER on a TLS control connection. dossierd uses none (nil, nil:
// the password is asked for); the hook is the only place the library
// shows the control connection's TLS layer, through which the login grace
// time must write its 421 after AUTH TLS.
func (b *binding) VerifyConnection(cc ftpserver.ClientContext, _ string, tc *tls.Conn) (ftpserver.ClientDriver, error) {
	if se, _ := cc.Extra().(*control); se != nil {
		b.srv.mu.Lock()
		if se.tls == nil {
			se.tls = tc
		}
		b.srv.mu.Unlock()
	}
	return nil, nil
}

// PostAuthMessage is the text of the reply to PASS: a person reads it in
// the client's log.
func (b *binding) PostAuthMessage(cc ftpserver.ClientContext, _ string, err error) string {
	switch {
	case err == nil:
		if se, _ := cc.Extra().(*control); se != nil {
			b.srv.mu.Lock()
			defer b.srv.mu.Unlock()
			if se.drv != nil && se.drv.name != "" {
				return catalogue.FTPWelcomeName.F(se.drv.name)
			}
		}
		return catalogue.FTPWelcome.F()
	case errors.Is(err, errTLSRequired), errors.Is(err, errShuttingDown), errors.Is(err, errAlreadyLogged), errors.Is(err, errLoginTime),
		errors.Is(err, service.ErrLoginConnections):
		return err.Error()
	case errors.Is(err, auth.ErrDisabled):
		return catalogue.AccountDisabled.F()
	case errors.Is(err, auth.ErrExpired):
		return catalogue.AccountExpired.F()
	case errors.Is(err, auth.ErrInvalidCredentials), errors.Is(err, auth.ErrNotFound):
		return catalogue.FTPLoginIncorrect.F()
	default:
		return catalogue.FTPLoginFailed.F()
	}
}

// GetTLSConfig returns the same *tls.Config every time: session tickets
// from the control connection then resume on data connections.
func (b *binding) GetTLSConfig() (*tls.Config, error) { return b.tls, nil }

// WrapPassiveListener tracks data connections and bounds how long the
// port waits for one (see passiveListener).
func (b *binding) WrapPassiveListener(l net.Listener) (net.Listener, error) {
	pl := &passiveListener{Listener: l, srv: b.srv}
	if host, _, err := net.SplitHostPort(b.cfg.Address); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
			pl.only = ip
		}
	}
	b.srv.mu.Lock()
	b.srv.passive[pl] = struct{}{}
	pl.unused = time.AfterFunc(b.srv.passiveUnused, pl.expire)
	b.srv.mu.Unlock()
	if b.srv.closing.Load() {
		pl.Close()
		return nil, errShuttingDown
	}
	return pl, nil
}

// translateReplies puts the catalogue's sentences, in the server's
// language, into the replies the ftpserverlib fork writes itself: once a
// process (the language is set once at start), and before any server
// reads them (every New goes through the Once).
func translateReplies() { repliesOnce.Do(setReplies) }

var repliesOnce sync.Once

func setReplies() { ftpserver.Replies = translatedReplies(catalogue.Current()) }

// translatedReplies are the fork's reply texts in language l, every one
// from the catalogue (catalogue/ftp.go, catalogue/ftpreplies.go).
func translatedReplies(l catalogue.Language) ftpserver.ReplyTexts {
	return ftpserver.ReplyTexts{
		IdleTimeout:          catalogue.ReplyIdleTimeout.In(l),
		UnknownCommand:       catalogue.ReplyUnknownCommand.In(l),
		NotLoggedIn:          catalogue.ReplyNotLoggedIn.In(l),
		InternalError:        catalogue.ReplyInternalError.In(l),
		CommandError:         catalogue.ReplyCommandError.In(l),
		NoTransferConnection: catalogue.ReplyNoTransferConnection.In(l),
		TransferTLSRequired:  catalogue.ReplyTransferTLSRequired.In(l),
		DataConnFailed:       catalogue.ReplyDataConnFailed.In(l),
		DeflateFailed:        catalogue.ReplyDeflateFailed.In(l),
		TransferOpen:         catalogue.ReplyTransferOpen.In(l),
		TransferClosed:       catalogue.ReplyTransferClosed.In(l),
		TransferFailed:       catalogue.ReplyTransferFailed.In(l),
		UserOK:               catalogue.ReplyUserOK.In(l),
		UserRejected:         catalogue.ReplyUserRejected.In(l),
		TLSRequired:          catalogue.ReplyTLSRequired.In(l),
		TLSVerifyFailed:      catalogue.ReplyTLSVerifyFailed.In(l),
		TLSCertOK:            catalogue.ReplyTLSCertOK.In(l),
		NoDriver:             catalogue.ReplyNoDriver.In(l),
		AuthError:            catalogue.ReplyAuthError.In(l),
		PassOK:               catalogue.ReplyPassOK.In(l),
		CWD:                  catalogue.ReplyCWD.In(l),
		CWDNotDir:            catalogue.ReplyCWDNotDir.In(l),
		CWDFailed:            catalogue.ReplyCWDFailed.In(l),
		CDUPFailed:           catalogue.ReplyCDUPFailed.In(l),
		MKD:                  catalogue.ReplyMKD.In(l),
		MKDFailed:            catalogue.ReplyMKDFailed.In(l),
		MissingPath:          catalogue.ReplyMissingPath.In(l),
		SiteMKDIR:            catalogue.ReplySiteMKDIR.In(l),
		SiteMKDIRFailed:      catalogue.ReplySiteMKDIRFailed.In(l),
		RMD:                  catalogue.ReplyRMD.In(l),
		RMDFailed:            catalogue.ReplyRMDFailed.In(l),
		SiteRMDIR:            catalogue.ReplySiteRMDIR.In(l),
		SiteRMDIRFailed:      catalogue.ReplySiteRMDIRFailed.In(l),
		PWD:                  catalogue.ReplyPWD.In(l),
		ListFailed:           catalogue.ReplyListFailed.In(l),
		MLSDDisabled:         catalogue.ReplyMLSDDisabled.In(l),
		MLSTDisabled:         catalogue.ReplyMLSTDisabled.In(l),
		OpenFailed:           catalogue.ReplyOpenFailed.In(l),
		SeekFailed:           catalogue.ReplySeekFailed.In(l),
		COMB:                 catalogue.ReplyCOMB.In(l),
		COMBDisabled:         catalogue.ReplyCOMBDisabled.In(l),
		COMBParams:           catalogue.ReplyCOMBParams.In(l),
		COMBAccessFailed:     catalogue.ReplyCOMBAccessFailed.In(l),
		COMBFailed:           catalogue.ReplyCOMBFailed.In(l),
		COMBDeleteFailed:     catalogue.ReplyCOMBDeleteFailed.In(l),
		COMBCloseFailed:      catalogue.ReplyCOMBCloseFailed.In(l),
		SiteCHMOD:            catalogue.ReplySiteCHMOD.In(l),
		BadCommand:           catalogue.ReplyBadCommand.In(l),
		Done:                 catalogue.ReplyDone.In(l),
		ChownFailed:          catalogue.ReplyChownFailed.In(l),
		SymlinkFailed:        catalogue.ReplySymlinkFailed.In(l),
		DELE:                 catalogue.ReplyDELE.In(l),
		DELEFailed:           catalogue.ReplyDELEFailed.In(l),
		AccessFailed:         catalogue.ReplyAccessFailed.In(l),
		RNFR:                 catalogue.ReplyRNFR.In(l),
		RNTO:                 catalogue.ReplyRNTO.In(l),
		RNTOFailed:           catalogue.ReplyRNTOFailed.In(l),
		RNTOWithoutRNFR:      catalogue.ReplyRNTOWithoutRNFR.In(l),
		SIZEASCII:            catalogue.ReplySIZEASCII.In(l),
		SIZEDir:              catalogue.ReplySIZEDir.In(l),
		STATFailed:           catalogue.ReplySTATFailed.In(l),
		FileDetails:          catalogue.ReplyFileDetails.In(l),
		ParseSizeFailed:      catalogue.ReplyParseSizeFailed.In(l),
		ALLOFailed:           catalogue.ReplyALLOFailed.In(l),
		RESTASCII:            catalogue.ReplyRESTASCII.In(l),
		RESTDeflate:          catalogue.ReplyRESTDeflate.In(l),
		MFMTParams:           catalogue.ReplyMFMTParams.In(l),
		MFMTParseFailed:      catalogue.ReplyMFMTParseFailed.In(l),
		MFMTFailed:           catalogue.ReplyMFMTFailed.In(l),
		HASHDisabled:         catalogue.ReplyHASHDisabled.In(l),
		HASHParams:           catalogue.ReplyHASHParams.In(l),
		HASHNotFile:          catalogue.ReplyHASHNotFile.In(l),
		HASHComputing:        catalogue.ReplyHASHComputing.In(l),
		AUTH:                 catalogue.ReplyAUTH.In(l),
		NoTLSConfig:          catalogue.ReplyNoTLSConfig.In(l),
		PBSZ:                 "PBSZ=0", // RFC 4217's reply: no sentence
		SYSTDisabled:         catalogue.ReplySYSTDisabled.In(l),
		SITEDisabled:         catalogue.ReplySITEDisabled.In(l),
		SITEUnknown:          catalogue.ReplySITEUnknown.In(l),
		STATDisabled:         catalogue.ReplySTATDisabled.In(l),
		ServerStatus:         catalogue.ReplyServerStatus.In(l),
		StatusConnected:      catalogue.ReplyStatusConnected.In(l),
		StatusLoggedIn:       catalogue.ReplyStatusLoggedIn.In(l),
		StatusNotLoggedIn:    catalogue.ReplyStatusNotLoggedIn.In(l),
		StatusTransfer:       catalogue.ReplyStatusTransfer.In(l),
		OptsUTF8:             catalogue.ReplyOptsUTF8.In(l),
		OptsUnknown:          catalogue.ReplyOptsUnknown.In(l),
		HashUnknown:          catalogue.ReplyHashUnknown.In(l),
		CLNT:                 catalogue.ReplyCLNT.In(l),
		Features:             catalogue.ReplyFeatures.In(l),
		FeaturesEnd:          catalogue.ReplyFeaturesEnd.In(l),
		TypeBinary:           catalogue.ReplyTypeBinary.In(l),
		TypeASCII:            catalogue.ReplyTypeASCII.In(l),
		TypeUnsupported:      catalogue.ReplyTypeUnsupported.In(l),
		ModeStream:           catalogue.ReplyModeStream.In(l),
		ModeDeflate:          catalogue.ReplyModeDeflate.In(l),
		ModeUnimplemented:    catalogue.ReplyModeUnimplemented.In(l),
		ModeUnsupported:      catalogue.ReplyModeUnsupported.In(l),
		Goodbye:              catalogue.ReplyGoodbye.In(l),
		ABORAborted:          catalogue.ReplyABORAborted.In(l),
		ABOR:                 catalogue.ReplyABOR.In(l),
		AVBLNotDir:           catalogue.ReplyAVBLNotDir.In(l),
		AVBLFailed:           catalogue.ReplyAVBLFailed.In(l),
		NotImplemented:       catalogue.ReplyNotImplemented.In(l),
		ActiveDisabled:       catalogue.ReplyActiveDisabled.In(l),
		PORTParseFailed:      catalogue.ReplyPORTParseFailed.In(l),
		PORTRefused:          catalogue.ReplyPORTRefused.In(l),
		ActiveNoTLSConfig:    catalogue.ReplyActiveNoTLSConfig.In(l),
		PORT:                 catalogue.ReplyPORT.In(l),
		PASVFailed:           catalogue.ReplyPASVFailed.In(l),
		EPSV:                 catalogue.ReplyEPSV.In(l),
		PASV:                 catalogue.ReplyPASV.In(l),
	}
}
