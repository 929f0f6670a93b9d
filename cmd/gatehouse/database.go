package main

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/config"
	"github.com/gatehouse-auth/gatehouse/internal/store/postgres"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// openDatabase opens the configured backend and applies pending migrations:
// PostgreSQL for a postgres:// DSN, else a SQLite file.
func openDatabase(ctx context.Context, cfg config.Config) (*sqlstore.Store, error) {
	if !cfg.IsPostgres() {
		return sqlite.Open(ctx, cfg.Database)
	}
	// A replica may start before its database: wait a while for it.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pool := postgres.DefaultPool()
	pool.MaxConns, pool.MaxIdleConns = cfg.DatabaseMaxConns, cfg.DatabaseMaxIdleConns
	return postgres.Open(ctx, cfg.Database, pool)
}
