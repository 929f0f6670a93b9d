//go:build unix

package loadtest

import (
	"net"
	"syscall"
)

// peerClosed reports whether the server has closed, or written to, an idle
// connection, with one non-blocking peek that consumes nothing. Anything to
// read on an idle HTTP/1.1 connection (end of stream, a reset, a TLS
// close_notify, a 408 answer) means it cannot carry another request.
func peerClosed(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	closed := false
	var buf [1]byte
	rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = n > 0 || err == nil || (err != syscall.EAGAIN && err != syscall.EWOULDBLOCK && err != syscall.EINTR)
		return true // never wait for data
	})
	return closed
}
