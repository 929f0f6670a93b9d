package store

// Page asks for one page of a list ordered by id: at most Limit items
// whose id sorts after After ("" starts at the beginning). A backend reads
// Limit+1 rows so that the caller knows whether another page exists.
type Page struct {
	Limit int
	After string
}
