package domain_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

func newSQLiteService(t *testing.T) (*domain.Service, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &domain.Service{Store: st}, st
}

func mustCreate(t *testing.T, svc *domain.Service, login string, password *string) store.User {
	t.Helper()
	u, err := svc.CreateUser(context.Background(), domain.UserInput{Password: password, Profile: map[string]any{
		"login": login, "email": login, "firstName": "Ada", "lastName": "Lovelace"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Profile updates racing a deactivation must not write ACTIVE back.
func TestUpdateUserRacingDeactivation(t *testing.T) {
	ctx := context.Background()
	svc, st := newSQLiteService(t)
	u := mustCreate(t, svc, "racer@example.com", nil)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 11)
	for i := range 10 {
		wg.Go(func() {
			<-start
			_, err := svc.UpdateUser(ctx, u.ID, domain.UserInput{Profile: map[string]any{"nickName": fmt.Sprint(i)}}, false)
			errs <- err
		})
	}
	wg.Go(func() {
		<-start
		_, err := svc.UserLifecycle(ctx, u.ID, domain.ActionDeactivate)
		errs <- err
	})
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.GetUser(ctx, u.ID)
	if err != nil || got.Status != store.UserDeprovisioned || got.NickName == "" {
		t.Fatalf("after the race: status %s, nickName %q, %v; want DEPROVISIONED and a nickname", got.Status, got.NickName, err)
	}
}

// resetBeforeWrite resets a user's password just before the next
// ModifyUser, as an administrator acting at that moment would.
type resetBeforeWrite struct {
	store.Store
	svc  *domain.Service
	once sync.Once
}

func (r *resetBeforeWrite) ModifyUser(ctx context.Context, id string, fn func(*store.User) (bool, error)) (store.User, error) {
	r.once.Do(func() {
		if _, err := r.svc.UserLifecycle(ctx, id, domain.ActionResetPassword); err != nil {
			panic(err)
		}
	})
	return r.Store.ModifyUser(ctx, id, fn)
}

// A password change whose old password was checked against a hash that a
// reset replaced before the write is refused, and the reset stands.
func TestChangePasswordAfterConcurrentReset(t *testing.T) {
	ctx := context.Background()
	svc, st := newSQLiteService(t)
	old := "correct horse battery"
	u := mustCreate(t, svc, "changer@example.com", &old)
	racing := &domain.Service{Store: &resetBeforeWrite{Store: st, svc: svc}}
	_, err := racing.ChangePassword(ctx, u.ID, old, "new staple battery", false)
	var ce *domain.CredentialsError
	if !errors.As(err, &ce) {
		t.Fatalf("change after a reset: %v, want a credentials error", err)
	}
	got, _ := st.GetUser(ctx, u.ID)
	if got.Status != store.UserRecovery || got.PasswordHash != "" {
		t.Fatalf("after the refused change: status %s, hash set %v; want RECOVERY without a password", got.Status, got.PasswordHash != "")
	}
}
