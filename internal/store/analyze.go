package store

import (
	"context"
	"fmt"
)

// Analyze refreshes the planner's statistics of every table (ANALYZE on
// both dialects). PostgreSQL's autovacuum does it on its own after enough
// writes; a bulk load (a benchmark, an import) calls it at once.
func (s *Store) Analyze(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}
