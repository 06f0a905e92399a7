package ftpd

import "time"

// SetPassiveUnused sets how long the passive listeners opened from now on
// wait for their data connection (passiveUnusedTimeout otherwise).
func (s *Server) SetPassiveUnused(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passiveUnused = d
}

// PassiveListeners counts the passive listeners open: one port each.
func (s *Server) PassiveListeners() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.passive)
}

// ExpirePassiveListeners makes the timeout of every open passive listener
// run out now, through its own timer.
func (s *Server) ExpirePassiveListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.passive {
		l.unused.Reset(0)
	}
}
