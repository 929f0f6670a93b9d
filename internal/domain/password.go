package domain

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// argon2id parameters for new hashes: the OWASP Password Storage Cheat
// Sheet's first configuration (19 MiB, two passes, one lane), which OWASP
// rates as strong as its 46 MiB one-pass option. RFC 9106's 64 MiB option
// held 64 MiB per check and took a small server's resident memory past
// 400 MB under a burst of sign-ins. Stored hashes carry their own
// parameters, so hashes made with the earlier ones still verify.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// MinPasswordLength is the shortest password Gatehouse accepts.
const MinPasswordLength = 8

// ErrWeakPassword reports a password that fails the password policy.
var ErrWeakPassword = fmt.Errorf("password must be at least %d characters", MinPasswordLength)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength {
		return "", ErrWeakPassword
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime,
		argonThreads, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// hashSlots bounds how many password hashes run at once: each argon2id
// check holds its memory (19 MiB, more for older hashes), so a burst of
// sign-ins must queue rather than exhaust memory.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// ErrBusy means no password check could start before the request's
// deadline; the caller may answer 503.
var ErrBusy = fmt.Errorf("%w: too many password checks at once", store.ErrUnavailable)

// withHashSlot runs fn holding a hashing slot, waiting for one for as long
// as ctx allows (ErrBusy after that).
func withHashSlot(ctx context.Context, fn func() error) error {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return ErrBusy
	}
	defer func() { <-hashSlots }()
	return fn()
}

// dummyHash is checked when a login is unknown so that the answer takes as
// long as for a known login with a wrong password.
// It is made on first use, not at start: a hash at package load
// would cost every process (and every CLI run) its memory and start time.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a real password, only for timing")
	return h
})

// CheckPassword reports whether password matches an argon2id or bcrypt hash.
// An empty hash (a user without a password) never matches.
func CheckPassword(password, hash string) bool {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		ok, err := checkArgon2id(password, hash)
		return err == nil && ok
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	default:
		checkArgon2id(password, dummyHash())
		return false
	}
}

func checkArgon2id(password, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 {
		return false, errors.New("malformed argon2id hash")
	}
	var version int
	var memory uint32
	var time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, errors.New("malformed argon2id parameters")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errors.New("malformed argon2id key")
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
