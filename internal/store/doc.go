// Package store is Gatehouse's storage contract: the records it keeps, narrow
// per-entity interfaces composed into Store, and the sentinel errors every
// backend translates its driver errors into. It knows nothing about HTTP or
// OAuth wire formats; backends live in sub-packages and all pass storetest.
package store
