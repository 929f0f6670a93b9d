package store

import (
	"context"
	"time"
)

// Users holds the directory.
type Users interface {
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByLogin matches the login case-insensitively.
	GetUserByLogin(ctx context.Context, login string) (User, error)
}

// User is a person in the directory.
type User struct {
	ID           string
	Login        string
	Email        string
	FirstName    string
	LastName     string
	DisplayName  string
	MobilePhone  string
	StreetAddr   string
	City         string
	State        string
	ZipCode      string
	CountryCode  string
	Locale       string
	TimeZone     string
	PasswordHash string
	Status       string
	Created      time.Time
	Updated      time.Time
}
