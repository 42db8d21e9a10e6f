package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scrms/scrms/internal/fault"
)

// mapErr gives database errors the domain's codes: no rows is NotFound and a
// unique violation is Conflict. Other errors pass through unchanged.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fault.Wrap(fault.NotFound, err, "Not found.")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fault.Wrap(fault.Conflict, err, "Already exists.")
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fault.Wrap(fault.Conflict, err, "Already exists.")
	}
	return err
}
