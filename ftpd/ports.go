package ftpd

import "math/rand/v2"

// passivePorts picks passive ports for ftpserverlib. The library's own
// PortRange draws each candidate with crypto/rand and big.Int, and tries
// as many candidates as the range has ports: a profile of lftp mirror
// showed 13-25 % of the server's CPU there. A passive port needs no
// secrecy (it is announced in the PASV reply), only spreading.
type passivePorts struct{ start, end int }

func (p passivePorts) FetchNext() (int, int, bool) {
	port := p.start + rand.IntN(p.end-p.start+1)
	return port, port, true
}

// NumberAttempts bounds the candidates tried per transfer: a busy range
// is better answered by a refusal than by a scan of every port.
func (p passivePorts) NumberAttempts() int { return min(p.end-p.start+1, 16) }
