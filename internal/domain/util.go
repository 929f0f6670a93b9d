package domain

import (
	"errors"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
