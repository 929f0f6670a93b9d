package sqlstore

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// attrColumns maps each base profile attribute to its column.
var attrColumns = map[string]string{
	"login": "login", "email": "email", "secondEmail": "second_email", "firstName": "first_name",
	"lastName": "last_name", "middleName": "middle_name", "honorificPrefix": "honorific_prefix",
	"honorificSuffix": "honorific_suffix", "title": "title", "displayName": "display_name",
	"nickName": "nick_name", "profileUrl": "profile_url", "primaryPhone": "primary_phone",
	"mobilePhone": "mobile_phone", "streetAddress": "street_address", "city": "city", "state": "state",
	"zipCode": "zip_code", "postalAddress": "postal_address", "countryCode": "country_code",
	"preferredLanguage": "preferred_language", "locale": "locale", "timezone": "time_zone",
	"userType": "user_type", "employeeNumber": "employee_number", "costCenter": "cost_center",
	"organization": "organization", "division": "division", "department": "department",
	"managerId": "manager_id", "manager": "manager",
}

// userWritable lists the columns every write of a whole user sets, after
// id and login_lower.
var userWritable = func() []string {
	cols := make([]string, 0, len(store.ProfileAttributes)+10)
	for _, a := range store.ProfileAttributes {
		cols = append(cols, attrColumns[a.Name])
	}
	return append(cols, "profile", "password_hash", "status", "created", "updated", "activated",
		"status_changed", "last_login", "password_changed", "failed_sign_ins")
}()

// userCols is every column of a user, aliased u; userDest scans them.
var userCols = func() string {
	cols := make([]string, 0, len(userWritable)+1)
	cols = append(cols, "u.id")
	for _, c := range userWritable {
		cols = append(cols, "u."+c)
	}
	return strings.Join(cols, ", ")
}()

// userDest returns scan targets for userCols; created and updated are
// scanned as unix seconds for the caller to convert.
func userDest(u *store.User, created, updated *int64) []any {
	dest := make([]any, 0, len(userWritable)+1)
	dest = append(dest, &u.ID)
	for _, a := range store.ProfileAttributes {
		dest = append(dest, a.Field(u))
	}
	return append(dest, jsonObject{&u.Profile}, &u.PasswordHash, &u.Status, created, updated,
		unixTime{&u.Activated}, unixTime{&u.StatusChanged}, unixTime{&u.LastLogin},
		unixTime{&u.PasswordChanged}, &u.FailedSignIns)
}

// userArgs returns the values of userWritable for u.
func userArgs(u store.User) []any {
	args := make([]any, 0, len(userWritable))
	for _, a := range store.ProfileAttributes {
		args = append(args, *a.Field(&u))
	}
	return append(args, jsonObject{&u.Profile}, u.PasswordHash, u.Status, u.Created.Unix(), u.Updated.Unix(),
		unixOrZero(u.Activated), unixOrZero(u.StatusChanged), unixOrZero(u.LastLogin),
		unixOrZero(u.PasswordChanged), u.FailedSignIns)
}

// unixTime scans unix seconds into a time, 0 being the zero time.
type unixTime struct{ t *time.Time }

func (d unixTime) Scan(src any) error {
	n, ok := src.(int64)
	if !ok {
		return fmt.Errorf("scan time: %T is not an integer", src)
	}
	*d.t = timeOrZero(n)
	return nil
}

// jsonObject stores a map as a JSON object ("{}" for none) and reads an
// empty object back as nil.
type jsonObject struct{ m *map[string]any }

func (j jsonObject) Value() (driver.Value, error) {
	if len(*j.m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(*j.m)
	return string(b), err
}

func (j jsonObject) Scan(src any) error {
	var raw []byte
	switch v := src.(type) {
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	default:
		return fmt.Errorf("scan profile: %T is not text", src)
	}
	*j.m = nil
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("decode profile: %w", err)
	}
	if len(m) > 0 {
		*j.m = m
	}
	return nil
}

func scanUser(row scanner) (store.User, error) {
	var u store.User
	var created, updated int64
	err := row.Scan(userDest(&u, &created, &updated)...)
	u.Created, u.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return u, err
}

var insertUser = `INSERT INTO users (id, login_lower, ` + strings.Join(userWritable, ", ") +
	`) VALUES (?, ?` + strings.Repeat(", ?", len(userWritable)) + `)`

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	_, err := s.exec(ctx, insertUser, append([]any{u.ID, strings.ToLower(u.Login)}, userArgs(u)...)...)
	return s.translate(err)
}

func (s *Store) CreateUserInGroups(ctx context.Context, u store.User, groupIDs []string) error {
	return s.inTx(ctx, func(t tx) error {
		if _, err := t.exec(ctx, insertUser, append([]any{u.ID, strings.ToLower(u.Login)}, userArgs(u)...)...); err != nil {
			return s.translate(err)
		}
		for _, g := range groupIDs {
			if _, err := addMember(ctx, t, g, u.ID, u.Created); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	v, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id))
	return v, s.translate(err)
}

func (s *Store) GetUserByLogin(ctx context.Context, login string) (store.User, error) {
	v, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.login_lower = ?`,
		strings.ToLower(login)))
	return v, s.translate(err)
}

var updateUser = `UPDATE users SET login_lower = ?, ` + strings.Join(userWritable, " = ?, ") + ` = ? WHERE id = ?`

func (s *Store) UpdateUser(ctx context.Context, u store.User, endSessions bool) error {
	return s.inTx(ctx, func(t tx) error {
		res, err := t.exec(ctx, updateUser, append(append([]any{strings.ToLower(u.Login)}, userArgs(u)...), u.ID)...)
		if err := s.oneRow(res, err); err != nil {
			return err
		}
		if endSessions {
			return s.endSessions(ctx, t, u.ID, u.Updated)
		}
		return nil
	})
}

func (s *Store) ModifyUser(ctx context.Context, id string, fn func(*store.User) (bool, error)) (store.User, error) {
	var out store.User
	err := s.inTx(ctx, func(t tx) error {
		u, err := scanUser(t.queryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`+s.dialect.ForUpdate, id))
		if err != nil {
			return s.translate(err)
		}
		endSessions, err := fn(&u)
		if err != nil {
			return err
		}
		u.ID = id
		res, err := t.exec(ctx, updateUser, append(append([]any{strings.ToLower(u.Login)}, userArgs(u)...), u.ID)...)
		if err := s.oneRow(res, err); err != nil {
			return err
		}
		if endSessions {
			if err := s.endSessions(ctx, t, u.ID, u.Updated); err != nil {
				return err
			}
		}
		out = u
		return nil
	})
	if err != nil {
		return store.User{}, err
	}
	return out, nil
}

// endSessions ends a user's sessions and revokes their live refresh tokens.
func (s *Store) endSessions(ctx context.Context, t tx, userID string, now time.Time) error {
	if _, err := t.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return s.translate(err)
	}
	_, err := t.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
		now.Unix(), userID)
	return s.translate(err)
}

func (s *Store) EndUserSessions(ctx context.Context, id string, now time.Time) error {
	return s.inTx(ctx, func(t tx) error { return s.endSessions(ctx, t, id, now) })
}

func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.inTx(ctx, func(t tx) error {
		if err := t.execEach(ctx, id,
			`DELETE FROM sessions WHERE user_id = ?`,
			`DELETE FROM refresh_tokens WHERE user_id = ?`,
			`DELETE FROM group_members WHERE user_id = ?`,
			`DELETE FROM api_tokens WHERE user_id = ?`,
			`DELETE FROM user_roles WHERE user_id = ?`,
		); err != nil {
			return err
		}
		return t.execOne(ctx, `DELETE FROM users WHERE id = ?`, id)
	})
}

func (s *Store) RecordSignIn(ctx context.Context, id string, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE users SET last_login = ?, failed_sign_ins = 0 WHERE id = ?`, now.Unix(), id)
	return s.oneRow(res, err)
}

func (s *Store) RecordFailedSignIn(ctx context.Context, id string, now time.Time, lockAfter int) (bool, error) {
	locked := false
	err := s.inTx(ctx, func(t tx) error {
		// Each statement writes only the columns it owns and decides on the
		// row as it is when written, so neither undoes a concurrent change.
		res, err := t.exec(ctx, `UPDATE users SET failed_sign_ins = failed_sign_ins + 1, status = ?,
			status_changed = ?, updated = ? WHERE id = ? AND status = ? AND failed_sign_ins + 1 >= ?`,
			store.UserLockedOut, now.Unix(), now.Unix(), id, store.UserActive, lockAfter)
		if err := s.oneRow(res, err); err == nil {
			locked = true
			return s.endSessions(ctx, t, id, now)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		res, err = t.exec(ctx, `UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE id = ?`, id)
		return s.oneRow(res, err)
	})
	return locked, err
}

func (s *Store) ListUsers(ctx context.Context, q store.UserQuery) ([]store.User, string, error) {
	where, args, exact := compileFilter(q.Filter, userFilterColumns)
	return pageFiltered(ctx, s, scanUser, `SELECT `+userCols+` FROM users u WHERE u.id > ? AND (`+where+`)
		ORDER BY u.id LIMIT ?`, args, exact, q.Page, store.MaxExamined(q.Page.Limit), func(u store.User) (string, bool) {
		return u.ID, q.Filter == nil || q.Filter.Match(u.Attr)
	})
}

// userFilterColumns is how each filterable user property is held.
var userFilterColumns = func() map[string]column {
	cols := map[string]column{
		"id": {"u.id", colExact}, "status": {"u.status", colUpper},
		"created": {"u.created", colTime}, "lastUpdated": {"u.updated", colTime},
		"activated": {"u.activated", colTime}, "statusChanged": {"u.status_changed", colTime},
		"lastLogin": {"u.last_login", colTime}, "passwordChanged": {"u.password_changed", colTime},
	}
	for name, col := range attrColumns {
		cols["profile."+name] = column{"u." + col, colText}
	}
	// Login is compared like any text: its indexed login_lower copy only
	// narrows the rows (see loweredCopies).
	cols["profile.login"] = column{expr: "u.login", kind: colText}
	return cols
}()
