package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
)

// Model roles: what an active model is used for.
const (
	RoleChat  = "chat"
	RoleEmbed = "embed"
)

// ActiveModel is the model in use for a role, and since when.
type ActiveModel struct {
	Role      string
	Model     string
	Digest    string
	Since     time.Time
	ChangedBy string
}

// ModelChange is one recorded switch of an active model.
type ModelChange struct {
	At         time.Time
	By         string
	Role       string
	From, To   string
	FromDigest string
	ToDigest   string
	Note       string
}

// ErrActiveModel is returned when an action needs a model that is not
// active (dropping its vectors) and it is.
var ErrActiveModel = errors.New("the model is active")

// ErrIncomplete is returned by SwitchEmbedModel while current chunks still
// lack a vector from the new model.
var ErrIncomplete = errors.New("not every current chunk has a vector from the model")

// ActiveModels returns the active model of each role that has one.
func (s *Store) ActiveModels(ctx context.Context) ([]ActiveModel, error) {
	rows, err := s.db.Query(ctx, s.q("ActiveModels"))
	if err != nil {
		return nil, fmt.Errorf("store: active models: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ActiveModel, error) {
		var m ActiveModel
		err := r.Scan(&m.Role, &m.Model, &m.Digest, &m.Since, &m.ChangedBy)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: active models: %w", err)
	}
	return out, nil
}

// SeedActiveModel makes model the active one for role only if the role has
// none yet, recording the seeding as a change. It reports whether it did:
// configuration seeds the table, and after that the table wins.
func (s *Store) SeedActiveModel(ctx context.Context, role, model, digest, by string) (bool, error) {
	seeded := false
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var r string
		err := tx.QueryRow(ctx, s.q("SeedActiveModel"), role, model, digest, by).Scan(&r)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		seeded = true
		return s.recordChange(ctx, tx, ModelChange{By: by, Role: role, To: model, ToDigest: digest, Note: "seeded from configuration"})
	})
	if err != nil {
		return false, fmt.Errorf("store: seed active %s model %s: %w", role, model, err)
	}
	return seeded, nil
}

// SetActiveModel makes c.To the active model of c.Role and records the
// change with the model it replaced, in one transaction. It returns the
// change as recorded. The embedding model must go through
// SwitchEmbedModel, which checks that its vectors are complete.
func (s *Store) SetActiveModel(ctx context.Context, c ModelChange) (ModelChange, error) {
	if c.Role == RoleEmbed {
		return c, fmt.Errorf("store: set active embedding model %s: use SwitchEmbedModel", c.To)
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		return s.setActive(ctx, tx, &c)
	})
	if err != nil {
		return c, fmt.Errorf("store: set active %s model %s: %w", c.Role, c.To, err)
	}
	return c, nil
}

// setActive locks the role's row, fills in what c replaces, switches and
// records the change.
func (s *Store) setActive(ctx context.Context, tx pgx.Tx, c *ModelChange) error {
	err := tx.QueryRow(ctx, s.q("LockActiveModel"), c.Role).Scan(&c.From, &c.FromDigest)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if c.From == c.To && c.FromDigest == c.ToDigest {
		return nil // no change: nothing to record
	}
	if _, err := tx.Exec(ctx, s.q("SetActiveModel"), c.Role, c.To, c.ToDigest, c.By); err != nil {
		return err
	}
	return s.recordChange(ctx, tx, *c)
}

// recordChange records a switch in the model changes and the audit trail,
// in the switch's own transaction: a change that happened is always on
// record. The caller has made the switch.
func (s *Store) recordChange(ctx context.Context, tx pgx.Tx, c ModelChange) error {
	if _, err := tx.Exec(ctx, s.q("InsertModelChange"), c.By, c.Role, c.From, c.To, c.FromDigest, c.ToDigest, c.Note); err != nil {
		return err
	}
	_, err := audit.Append(ctx, tx, audit.Event{
		Action: audit.ActionModelChanged, Actor: c.By, Target: "model:" + c.Role,
		Details: map[string]string{"role": c.Role, "from": c.From, "to": c.To,
			"from_digest": c.FromDigest, "to_digest": c.ToDigest, "note": c.Note},
	})
	return err
}

// SwitchEmbedModel makes m the active embedding model, in the same
// transaction that checks every current chunk has a vector from m. The
// active row is locked first, so a concurrent switch waits. It fails with
// ErrIncomplete (and changes nothing) while chunks are missing, so a
// caller embeds them and tries again.
func (s *Store) SwitchEmbedModel(ctx context.Context, m EmbeddingModel, by, note string) (ModelChange, error) {
	c := ModelChange{Role: RoleEmbed, To: m.Name, ToDigest: m.Digest, By: by, Note: note}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// Lock before counting: a switch that counted first could miss
		// chunks written between its count and its lock.
		err := tx.QueryRow(ctx, s.q("LockActiveModel"), RoleEmbed).Scan(&c.From, &c.FromDigest)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var total, done int64
		if err := tx.QueryRow(ctx, s.q("EmbeddingCoverage"), m.ID).Scan(&total, &done); err != nil {
			return err
		}
		if done < total {
			return fmt.Errorf("%w: %d of %d chunks lack a vector from %s", ErrIncomplete, total-done, total, m.Name)
		}
		if _, err := tx.Exec(ctx, s.q("SetActiveModel"), RoleEmbed, c.To, c.ToDigest, c.By); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, c)
	})
	if err != nil {
		return c, fmt.Errorf("store: switch embedding model to %s: %w", m.Name, err)
	}
	return c, nil
}

// ModelChanges returns the latest limit changes, newest first.
func (s *Store) ModelChanges(ctx context.Context, limit int) ([]ModelChange, error) {
	rows, err := s.db.Query(ctx, s.q("ModelChanges"), limit)
	if err != nil {
		return nil, fmt.Errorf("store: model changes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ModelChange, error) {
		var c ModelChange
		err := r.Scan(&c.At, &c.By, &c.Role, &c.From, &c.To, &c.FromDigest, &c.ToDigest, &c.Note)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: model changes: %w", err)
	}
	return out, nil
}

// EmbeddingModels returns every registered embedding model.
func (s *Store) EmbeddingModels(ctx context.Context) ([]EmbeddingModel, error) {
	rows, err := s.db.Query(ctx, s.q("EmbeddingModels"))
	if err != nil {
		return nil, fmt.Errorf("store: embedding models: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EmbeddingModel, error) {
		var m EmbeddingModel
		err := r.Scan(&m.ID, &m.Name, &m.Dimensions, &m.Digest, &m.VectorType)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: embedding models: %w", err)
	}
	return out, nil
}

// DropEmbeddings drops the named model's partition (every vector of it and
// its index) and its registration. It refuses with ErrActiveModel when the model is the
// active embedding model, checked under the same lock a switch takes.
// It returns how many vectors were deleted.
func (s *Store) DropEmbeddings(ctx context.Context, name string) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var active, digest string
		err := tx.QueryRow(ctx, s.q("LockActiveModel"), RoleEmbed).Scan(&active, &digest)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if active == name {
			return ErrActiveModel
		}
		var m EmbeddingModel
		err = tx.QueryRow(ctx, s.q("GetEmbeddingModel"), name).Scan(&m.ID, &m.Name, &m.Dimensions, &m.Digest, &m.VectorType)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, s.q("DropEmbeddingPartition"), m.ID).Scan(&n); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, s.q("DeleteEmbeddingModel"), m.ID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: drop embeddings of %s: %w", name, err)
	}
	return n, nil
}
