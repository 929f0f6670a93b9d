package domain

import (
	"context"
	"errors"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// The user lifecycle actions, as Okta names them in
// /api/v1/users/{id}/lifecycle/{action}.
const (
	ActionActivate       = "activate"
	ActionReactivate     = "reactivate"
	ActionDeactivate     = "deactivate"
	ActionSuspend        = "suspend"
	ActionUnsuspend      = "unsuspend"
	ActionUnlock         = "unlock"
	ActionExpirePassword = "expire_password"
	ActionResetPassword  = "reset_password"
)

// ErrUnknownAction is a lifecycle action that does not exist.
var ErrUnknownAction = errors.New("domain: unknown lifecycle action")

// msgNotAllowed is Okta's wording for a transition the status forbids.
const msgNotAllowed = "This operation is not allowed in the user's current status."

var allStatuses = []string{store.UserStaged, store.UserProvisioned, store.UserActive, store.UserRecovery,
	store.UserPasswordExpired, store.UserLockedOut, store.UserSuspended, store.UserDeprovisioned}

// transition is one lifecycle action: the statuses it starts from, what it
// does, and what it records.
type transition struct {
	from  []string
	apply func(s *Service, u *store.User)
	// refused is the error when the status does not allow the action;
	// nil means Okta's E0000038.
	refused     error
	endSessions bool
	// locksOut: an ACTIVE user can no longer sign in afterwards.
	locksOut       bool
	event, message string
}

var transitions = map[string]transition{
	ActionActivate: {
		from:  []string{store.UserStaged, store.UserDeprovisioned},
		apply: func(s *Service, u *store.User) { s.activate(u, s.now().UTC()) },
		event: "user.lifecycle.activate", message: "Activate Okta user",
	},
	ActionReactivate: { // resends activation: nothing changes here, as Gatehouse sends no email
		from:  []string{store.UserProvisioned},
		apply: func(*Service, *store.User) {},
		event: "user.lifecycle.reactivate", message: "Reactivate Okta user",
	},
	ActionDeactivate: {
		from:  slices.DeleteFunc(slices.Clone(allStatuses), func(s string) bool { return s == store.UserDeprovisioned }),
		apply: setStatus(store.UserDeprovisioned), endSessions: true, locksOut: true,
		event: "user.lifecycle.deactivate", message: "Deactivate Okta user",
	},
	ActionSuspend: {
		from: []string{store.UserActive}, apply: setStatus(store.UserSuspended), endSessions: true, locksOut: true,
		refused: Invalid("status", "Cannot suspend a user that is not active"),
		event:   "user.lifecycle.suspend", message: "Suspend Okta user",
	},
	ActionUnsuspend: {
		from: []string{store.UserSuspended}, apply: setStatus(store.UserActive),
		refused: Invalid("status", "Cannot unsuspend a user that is not suspended"),
		event:   "user.lifecycle.unsuspend", message: "Unsuspend Okta user",
	},
	ActionUnlock: {
		from:  []string{store.UserLockedOut},
		apply: func(s *Service, u *store.User) { setStatus(store.UserActive)(s, u); u.FailedSignIns = 0 },
		event: "user.account.unlock_by_admin", message: "Unlock user account by admin",
	},
	ActionExpirePassword: {
		from:  []string{store.UserActive, store.UserPasswordExpired},
		apply: setStatus(store.UserPasswordExpired), locksOut: true,
		event: "user.account.expire_password", message: "Expire user password",
	},
	ActionResetPassword: { // the current password stops working until a new one is set
		from: []string{store.UserActive, store.UserPasswordExpired, store.UserLockedOut, store.UserRecovery, store.UserProvisioned},
		apply: func(s *Service, u *store.User) {
			setStatus(store.UserRecovery)(s, u)
			u.PasswordHash, u.FailedSignIns = "", 0
		},
		endSessions: true, locksOut: true,
		event: "user.account.reset_password", message: "Reset user password",
	},
}

// setStatus moves a user to status, noting when the status changed.
func setStatus(status string) func(s *Service, u *store.User) {
	return func(s *Service, u *store.User) {
		if u.Status != status {
			u.Status, u.StatusChanged = status, s.now().UTC()
		}
	}
}

// UserLifecycle runs a lifecycle action on a user. A status the action
// does not start from is a *StateError (Okta's E0000038), except for
// suspend and unsuspend, which Okta refuses as validation errors.
// Deactivating, suspending and resetting the password end the user's
// sessions and revoke their refresh tokens.
func (s *Service) UserLifecycle(ctx context.Context, id, action string) (store.User, error) {
	tr, ok := transitions[action]
	if !ok {
		return store.User{}, ErrUnknownAction
	}
	if tr.locksOut {
		if err := s.keepSuperAdminAbleToSignIn(ctx, id); err != nil {
			return store.User{}, err
		}
	}
	u, err := s.Store.ModifyUser(ctx, id, func(u *store.User) (bool, error) {
		// Decided on the row as stored, locked: a concurrent change cannot
		// slip in between the check and the write.
		if !slices.Contains(tr.from, u.Status) {
			if tr.refused != nil {
				return false, tr.refused
			}
			return false, &StateError{Message: msgNotAllowed}
		}
		tr.apply(s, u)
		u.Updated = s.now().UTC()
		return tr.endSessions, nil
	})
	if err != nil {
		return store.User{}, err
	}
	s.record(ctx, tr.event, tr.message, userTarget(u))
	return u, nil
}

// CredentialsError refuses a password change (Okta: E0000014, "Update of
// credentials failed"); Cause says why, as "field: message".
type CredentialsError struct{ Cause string }

func (e *CredentialsError) Error() string { return "Update of credentials failed: " + e.Cause }

// ChangePassword sets a new password for a user who proves the old one.
// A PASSWORD_EXPIRED user becomes ACTIVE; revokeSessions also ends their
// sessions. The slow work (checking the old password, hashing the new
// one) happens before the write, which is refused if the stored password
// changed meanwhile.
func (s *Service) ChangePassword(ctx context.Context, id, oldPassword, newPassword string, revokeSessions bool) (store.User, error) {
	u, err := s.Store.GetUser(ctx, id)
	if err != nil {
		return store.User{}, err
	}
	if u.Status != store.UserActive && u.Status != store.UserPasswordExpired {
		return store.User{}, &StateError{Message: msgNotAllowed}
	}
	var oldOK, same bool
	if err := withHashSlot(ctx, func() error {
		oldOK = CheckPassword(oldPassword, u.PasswordHash)
		same = oldOK && oldPassword == newPassword
		return nil
	}); err != nil {
		return store.User{}, err
	}
	switch {
	case !oldOK:
		return store.User{}, &CredentialsError{Cause: "oldPassword: The credentials provided were incorrect."}
	case same:
		return store.User{}, &CredentialsError{Cause: "password: Password cannot be your current password"}
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return store.User{}, &CredentialsError{Cause: "password: " + msgPasswordPolicy}
	}
	verified := u.PasswordHash
	u, err = s.Store.ModifyUser(ctx, id, func(u *store.User) (bool, error) {
		// The old password was checked against the hash read before; if it
		// changed since (a reset, another change), that check proves nothing.
		if u.PasswordHash != verified {
			return false, &CredentialsError{Cause: "oldPassword: The credentials provided were incorrect."}
		}
		if u.Status != store.UserActive && u.Status != store.UserPasswordExpired {
			return false, &StateError{Message: msgNotAllowed}
		}
		now := s.now().UTC()
		u.PasswordHash, u.PasswordChanged, u.Updated = hash, now, now
		setStatus(store.UserActive)(s, u)
		return revokeSessions, nil
	})
	if err != nil {
		return store.User{}, err
	}
	s.record(ctx, "user.account.update_password", "Update password for Okta user", userTarget(u))
	return u, nil
}
