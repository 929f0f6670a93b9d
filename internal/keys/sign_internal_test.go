package keys

import (
	"bytes"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// der is the ASN.1 ECDSA signature SEQUENCE { INTEGER r, INTEGER s } with
// r and s given as raw DER integer contents.
func der(r, s []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(r) })
		b.AddASN1(asn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(s) })
	})
	return b.BytesOrPanic()
}

// TestRawECDSA: r and s come out at fixed width, short values left-padded,
// DER's sign byte dropped; anything else is refused.
func TestRawECDSA(t *testing.T) {
	full := bytes.Repeat([]byte{0x7f}, 32)
	high := append([]byte{0}, bytes.Repeat([]byte{0x80}, 32)...) // DER sign byte
	pad := func(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }
	cases := []struct {
		name string
		der  []byte
		want []byte // nil: refused
	}{
		{"full width", der(full, full), append(bytes.Clone(full), full...)},
		{"sign byte", der(high, full), append(bytes.Repeat([]byte{0x80}, 32), full...)},
		{"short r", der([]byte{0x01}, high), append(pad([]byte{1}), bytes.Repeat([]byte{0x80}, 32)...)},
		{"short s", der(full, []byte{0x12, 0x34}), append(bytes.Clone(full), pad([]byte{0x12, 0x34})...)},
		{"r too long", der(append([]byte{1}, full...), full), nil},
		{"negative s", der(full, []byte{0x80}), nil},
		{"trailing bytes", append(der(full, full), 0), nil},
		{"not DER", []byte("not a signature"), nil},
	}
	for _, c := range cases {
		out := bytes.Repeat([]byte{0xee}, 64) // garbage must not leak through
		err := rawECDSA(out, c.der)
		switch {
		case c.want == nil && err == nil:
			t.Errorf("%s: accepted, gave %x", c.name, out)
		case c.want != nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != nil && !bytes.Equal(out, c.want):
			t.Errorf("%s: got %x, want %x", c.name, out, c.want)
		}
	}
}
