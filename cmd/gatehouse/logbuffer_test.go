package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

func TestBufferedLogKeepsEveryLineInOrder(t *testing.T) {
	var out testkit.SyncBuffer
	b := newBufferedLog(&out)
	var want strings.Builder
	line := strings.Repeat("x", 100)
	for i := range 1000 { // 100 KB: several flushes on size
		l := line + string(rune('a'+i%26)) + "\n"
		want.WriteString(l)
		if n, err := b.Write([]byte(l)); err != nil || n != len(l) {
			t.Fatalf("write: %d, %v", n, err)
		}
	}
	big := strings.Repeat("y", logBufferSize+1) + "\n" // larger than the buffer: written through
	want.WriteString(big)
	b.Write([]byte(big))
	b.Write([]byte("last\n"))
	want.WriteString("last\n")
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b.Write([]byte("after close\n"))
	want.WriteString("after close\n")
	if got := out.String(); got != want.String() {
		t.Errorf("output differs: %d bytes, want %d", len(got), want.Len())
	}
}

func TestBufferedLogFlushesOnItsOwn(t *testing.T) {
	var out testkit.SyncBuffer
	b := newBufferedLog(&out)
	defer b.Close()
	b.Write([]byte("quiet server\n"))
	deadline := time.Now().Add(5 * time.Second)
	for out.String() == "" {
		if time.Now().After(deadline) {
			t.Fatal("a lone line was never written")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if out.String() != "quiet server\n" {
		t.Errorf("got %q", out.String())
	}
}
