package httpd

import (
	"context"
	"time"
)

// ChunkReadTime lets the tests shorten how long a chunk may take.
var ChunkReadTime = &chunkReadTime

// SweepParked runs the minute's sweep of parked uploads now.
func (s *Server) SweepParked() { s.sweepParked(context.Background(), time.Now()) }
