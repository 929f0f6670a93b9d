package loadtest

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// ConnTransport is an HTTP/1.1 RoundTripper over a single keep-alive
// connection, for one worker that sends its requests one at a time. The
// request is written and its answer read in the caller's goroutine: there
// is no pool, no background reader or writer and no channel hand-off, so
// that the load tool spends little per request next to the server it
// measures. It connects directly, never through a proxy.
//
// A response's Body must be read to its end or closed before the next
// request; a request sent meanwhile fails. The connection is dialled
// again after the server closed it, after either side said
// "Connection: close", after a body was closed before its end, and for a
// request to another host.
//
// The zero value is ready to use.
type ConnTransport struct {
	// TLSClientConfig is used for https URLs; nil means the system's
	// roots. The ServerName of each connection is its URL's host unless
	// the config names one.
	TLSClientConfig *tls.Config

	busy atomic.Bool // a request or its body holds the connection

	// Owned by whoever set busy.
	conn         net.Conn      // nil when there is none
	tcp          net.Conn      // the TCP connection under conn
	scheme, host string        // where conn goes (URL scheme and host)
	br           *bufio.Reader // reads conn; reused across connections
	bw           *bufio.Writer // writes w; reused across connections
	w            countingWriter
	hasDeadline  bool      // a deadline is set on conn
	idleSince    time.Time // when conn's last answer was read
}

// Dial bounds, as net/http's default transport has them.
const (
	dialTimeout      = 5 * time.Second
	tcpKeepAlive     = 30 * time.Second
	handshakeTimeout = 5 * time.Second
)

var errBusy = errors.New("loadtest: a request is already in flight on this connection (read or close the last response's body first)")

// probeAfterIdle is how long a connection must have been idle before it
// is checked for a close by the server: a worker sending back to back
// skips the check (a syscall), and a server closes idle connections after
// seconds, not microseconds. A close that races a request is still
// handled, as net/http handles it: idempotent requests are sent again.
const probeAfterIdle = time.Millisecond

// aLongTimeAgo is a deadline that unblocks a connection's reads and writes
// at once.
var aLongTimeAgo = time.Unix(1, 0)

// countingWriter counts what the connection accepted, so that a failed
// write tells whether any of the request left.
type countingWriter struct {
	conn net.Conn
	n    int64
	err  error
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.conn.Write(p)
	w.n += int64(n)
	if err != nil {
		w.err = err
	}
	return n, err
}

// RoundTrip sends req on the connection, dialling it first when needed,
// and returns the answer as soon as its header is read.
func (c *ConnTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkRequest(req); err != nil {
		closeRequestBody(req)
		return nil, err
	}
	if !c.busy.CompareAndSwap(false, true) {
		closeRequestBody(req)
		return nil, errBusy
	}
	resp, err := c.roundTrip(req)
	if err != nil {
		c.busy.Store(false)
	}
	return resp, err
}

func checkRequest(req *http.Request) error {
	switch {
	case req.URL == nil:
		return errors.New("loadtest: request without a URL")
	case req.URL.Scheme != "http" && req.URL.Scheme != "https":
		return fmt.Errorf("loadtest: unsupported protocol scheme %q", req.URL.Scheme)
	case req.URL.Host == "":
		return errors.New("loadtest: request URL without a host")
	}
	return nil
}

func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func (c *ConnTransport) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeRequestBody(req)
		return nil, err
	}
	if c.conn != nil && (c.scheme != req.URL.Scheme || c.host != req.URL.Host) {
		c.closeConn()
	}
	for attempt := 0; ; attempt++ {
		reused := c.conn != nil
		if reused {
			c.setDeadline(ctx)
			// A server that closed the idle connection left something to
			// read on it (its FIN, a TLS close_notify, a 408); the request
			// is then provably not sent yet, and goes on a new connection.
			if c.br.Buffered() > 0 || (time.Since(c.idleSince) >= probeAfterIdle && peerClosed(c.tcp)) {
				c.closeConn()
				reused = false
			}
		}
		if !reused {
			if err := c.dial(ctx, req); err != nil {
				closeRequestBody(req)
				return nil, err
			}
			c.setDeadline(ctx)
		}
		stop := c.unblockOnDone(ctx)
		resp, retry, err := c.exchange(req, reused)
		if err == nil {
			body := &connBody{c: c, body: resp.Body, ctx: ctx, stop: stop, keep: !resp.Close && !wantsClose(req)}
			if resp.Body == http.NoBody {
				// Nothing to read (HEAD, 204, 304): the answer is whole.
				body.finish(body.keep, io.EOF)
				return resp, nil
			}
			resp.Body = body
			return resp, nil
		}
		stop()
		c.closeConn()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !retry || attempt > 0 {
			return nil, err
		}
		// Resend once, on a new connection, with the body again.
		if req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, err
			}
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, err
			}
			req = req.WithContext(ctx)
			req.Body = body
		}
	}
}

// exchange writes req and reads the answer's header. retry says that
// sending req again on a new connection is safe: the connection had served
// earlier requests (so the server may have closed it as idle), and either
// none of req left or req is idempotent and no byte of an answer came.
func (c *ConnTransport) exchange(req *http.Request, reused bool) (*http.Response, bool, error) {
	c.w.n, c.w.err = 0, nil
	err := req.Write(c.bw)
	if err == nil {
		err = c.bw.Flush()
	}
	if err != nil {
		if c.w.err == nil {
			return nil, false, err // the request's own body failed
		}
		return nil, reused && (c.w.n == 0 || replayable(req)), err
	}
	if _, err := c.br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("the server closed the connection without answering: %w", err)
		}
		return nil, reused && replayable(req), err
	}
	for {
		resp, err := http.ReadResponse(c.br, req)
		if err != nil {
			return nil, false, err
		}
		// Skip informational answers (103 Early Hints); 101 is final.
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, false, nil
		}
	}
}

// replayable is net/http's rule: a request that may be sent twice.
func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

func wantsClose(req *http.Request) bool {
	if req.Close {
		return true
	}
	for _, v := range req.Header["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "close") {
				return true
			}
		}
	}
	return false
}

// dial opens the connection req needs, with the TLS handshake for https.
func (c *ConnTransport) dial(ctx context.Context, req *http.Request) error {
	u := req.URL
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	d := net.Dialer{Timeout: dialTimeout, KeepAlive: tcpKeepAlive}
	tcp, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	conn := tcp
	if u.Scheme == "https" {
		cfg := &tls.Config{}
		if c.TLSClientConfig != nil {
			cfg = c.TLSClientConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		tc := tls.Client(tcp, cfg)
		hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			tcp.Close()
			return err
		}
		conn = tc
	}
	c.conn, c.tcp, c.scheme, c.host, c.hasDeadline = conn, tcp, u.Scheme, u.Host, false
	c.w = countingWriter{conn: conn}
	if c.br == nil {
		c.br, c.bw = bufio.NewReader(conn), bufio.NewWriter(&c.w)
	} else {
		c.br.Reset(conn)
		c.bw.Reset(&c.w)
	}
	return nil
}

// setDeadline bounds the connection's reads and writes by ctx's deadline.
func (c *ConnTransport) setDeadline(ctx context.Context) {
	if d, ok := ctx.Deadline(); ok {
		c.conn.SetDeadline(d)
		c.hasDeadline = true
	} else if c.hasDeadline {
		c.conn.SetDeadline(time.Time{})
		c.hasDeadline = false
	}
}

// unblockOnDone makes a blocked read or write return when ctx ends; the
// returned stop reports false when it was too late (the connection is then
// unusable).
func (c *ConnTransport) unblockOnDone(ctx context.Context) (stop func() bool) {
	if ctx.Done() == nil {
		return func() bool { return true }
	}
	conn := c.conn
	return context.AfterFunc(ctx, func() { conn.SetDeadline(aLongTimeAgo) })
}

func (c *ConnTransport) closeConn() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.tcp = nil, nil
	}
}

// CloseIdleConnections closes the connection unless a request holds it.
func (c *ConnTransport) CloseIdleConnections() {
	if c.busy.CompareAndSwap(false, true) {
		c.closeConn()
		c.busy.Store(false)
	}
}

// connBody is an answer's body; its end hands the connection back.
type connBody struct {
	c    *ConnTransport
	body io.Reader
	ctx  context.Context
	stop func() bool
	keep bool  // the connection may serve another request after this body
	err  error // once set, the body is done and Read returns it
}

func (b *connBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.body.Read(p)
	switch {
	case err == io.EOF:
		b.finish(b.keep, io.EOF)
	case err != nil:
		if ctxErr := b.ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		b.finish(false, err)
	}
	return n, err
}

// Close before the end of the body gives up the connection: what is left
// of the answer would have to be read first.
func (b *connBody) Close() error {
	if b.err == nil {
		b.finish(false, http.ErrBodyReadAfterClose)
	}
	return nil
}

func (b *connBody) finish(keep bool, err error) {
	b.err = err
	if !b.stop() {
		keep = false // ctx ended: the connection's deadline is in the past
	}
	if keep {
		b.c.idleSince = time.Now()
	} else {
		b.c.closeConn()
	}
	b.c.busy.Store(false)
}
