package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (id, login, login_lower, email, first_name, last_name,
		display_name, mobile_phone, street_address, city, state, zip_code, country_code, locale, time_zone,
		password_hash, status, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		u.ID, u.Login, strings.ToLower(u.Login), u.Email, u.FirstName, u.LastName, u.DisplayName,
		u.MobilePhone, u.StreetAddr, u.City, u.State, u.ZipCode, u.CountryCode, u.Locale, u.TimeZone,
		u.PasswordHash, u.Status, u.Created.Unix(), u.Updated.Unix())
	return s.translate(err)
}

const userCols = `u.id, u.login, u.email, u.first_name, u.last_name, u.display_name, u.mobile_phone,
	u.street_address, u.city, u.state, u.zip_code, u.country_code, u.locale, u.time_zone,
	u.password_hash, u.status, u.created, u.updated`

func userDest(u *store.User, created, updated *int64) []any {
	return []any{&u.ID, &u.Login, &u.Email, &u.FirstName, &u.LastName, &u.DisplayName, &u.MobilePhone,
		&u.StreetAddr, &u.City, &u.State, &u.ZipCode, &u.CountryCode, &u.Locale, &u.TimeZone,
		&u.PasswordHash, &u.Status, created, updated}
}

func scanUser(row scanner) (store.User, error) {
	var u store.User
	var created, updated int64
	err := row.Scan(userDest(&u, &created, &updated)...)
	u.Created, u.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return u, err
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
