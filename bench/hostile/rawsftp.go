package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"
)

// rawSFTP speaks just enough SFTP (version 3) on one session channel to
// open file and folder handles and keep them: pkg/sftp has no call that
// holds an OPENDIR handle.
type rawSFTP struct {
	s  *ssh.Session
	w  io.WriteCloser
	r  io.Reader
	id uint32
}

const (
	fxpInit    = 1
	fxpVersion = 2
	fxpOpen    = 3
	fxpOpendir = 11
	fxpStatus  = 101
	fxpHandle  = 102
	fxfRead    = 1
)

func newRawSFTP(c *ssh.Client) (*rawSFTP, error) {
	s, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	p := &rawSFTP{s: s}
	if p.w, err = s.StdinPipe(); err == nil {
		if p.r, err = s.StdoutPipe(); err == nil {
			err = s.RequestSubsystem("sftp")
		}
	}
	if err == nil {
		err = p.send(fxpInit, binary.BigEndian.AppendUint32(nil, 3))
	}
	if err == nil {
		var t byte
		if t, _, err = p.recv(); err == nil && t != fxpVersion {
			err = fmt.Errorf("sftp init: reply of type %d", t)
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return p, nil
}

func (p *rawSFTP) send(t byte, body []byte) error {
	pkt := binary.BigEndian.AppendUint32(nil, uint32(1+len(body)))
	pkt = append(pkt, t)
	_, err := p.w.Write(append(pkt, body...))
	return err
}

func (p *rawSFTP) recv() (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(p.r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n < 1 || n > 1<<20 {
		return 0, nil, fmt.Errorf("sftp packet of %d bytes", n)
	}
	body := make([]byte, n-1)
	_, err := io.ReadFull(p.r, body)
	return hdr[4], body, err
}

func appendString(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
}

// errStatus is a refusal of the server: its SSH_FX code and message.
type errStatus struct {
	code uint32
	msg  string
}

func (e *errStatus) Error() string { return fmt.Sprintf("%q (SSH_FX code %d)", e.msg, e.code) }

// open opens path for reading (dir: OPENDIR) and returns nil once the
// server has handed out a handle, which stays open.
func (p *rawSFTP) open(path string, dir bool) error {
	p.id++
	body := binary.BigEndian.AppendUint32(nil, p.id)
	body = appendString(body, path)
	t := byte(fxpOpendir)
	if !dir {
		t = fxpOpen
		body = binary.BigEndian.AppendUint32(body, fxfRead)
		body = binary.BigEndian.AppendUint32(body, 0) // no attributes
	}
	if err := p.send(t, body); err != nil {
		return err
	}
	rt, rb, err := p.recv()
	if err != nil {
		return err
	}
	switch {
	case rt == fxpHandle:
		return nil
	case rt == fxpStatus && len(rb) >= 12:
		code := binary.BigEndian.Uint32(rb[4:8])
		n := binary.BigEndian.Uint32(rb[8:12])
		msg := ""
		if int(n) <= len(rb)-12 {
			msg = string(rb[12 : 12+n])
		}
		return &errStatus{code: code, msg: msg}
	}
	return errors.New("unexpected sftp reply")
}

func (p *rawSFTP) Close() { p.s.Close() }
