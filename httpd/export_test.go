package httpd

// ChunkReadTime lets the tests shorten how long a chunk may take.
var ChunkReadTime = &chunkReadTime
