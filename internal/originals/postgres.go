package originals

import (
	"context"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/sqlfile"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

var queries = sync.OnceValues(func() (sqlfile.Queries, error) { return sqlfile.Load(sqlFiles, "sql") })

// ChunkSize is how many bytes one database row of a file holds: small
// enough that a row never strains memory on either side, large enough
// that a 100 MiB upload is a hundred inserts.
const ChunkSize = 1 << 20

// Postgres keeps originals in the database (tables originals and
// original_chunks of migration 0011), one row per chunk. Writes are plain
// INSERTs, one per chunk in its own statement, so that a slow upload holds
// no transaction open and servers without COPY (PGlite) work too.
type Postgres struct {
	pool      *pgxpool.Pool
	q         sqlfile.Queries
	chunkSize int
}

// NewPostgres returns the database store.
func NewPostgres(pool *pgxpool.Pool) (*Postgres, error) {
	q, err := queries()
	if err != nil {
		return nil, err
	}
	return &Postgres{pool: pool, q: q, chunkSize: ChunkSize}, nil
}

// Put writes r in chunks under a fresh row and names it by its hash once
// complete, in place of any copy stored before. When another writer
// stores the same content at the same moment, one copy is kept.
func (p *Postgres) Put(ctx context.Context, r io.Reader) (ref Ref, err error) {
	var id int64
	if err := p.pool.QueryRow(ctx, p.q.Get("begin")).Scan(&id); err != nil {
		return Ref{}, fmt.Errorf("originals: store file: %w", err)
	}
	defer func() {
		if err != nil {
			// Not under ctx: a cancelled upload must still drop its rows.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			_, _ = p.pool.Exec(dctx, p.q.Get("drop"), id)
		}
	}()
	hr := newHashingReader(r)
	buf := make([]byte, p.chunkSize)
	seq := 0
	for {
		n, rerr := io.ReadFull(hr, buf)
		if n > 0 {
			if _, err := p.pool.Exec(ctx, p.q.Get("put_chunk"), id, seq, buf[:n]); err != nil {
				return Ref{}, fmt.Errorf("originals: store chunk %d: %w", seq, err)
			}
			seq++
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return Ref{}, fmt.Errorf("originals: read file: %w", rerr)
		}
	}
	ref = hr.ref()
	// A copy stored earlier is replaced by this one, just written from
	// bytes that had the hash: a damaged original is repaired by storing
	// its file again.
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, p.q.Get("replace"), ref.Hash, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, p.q.Get("finish"), id, ref.Hash, ref.Size, seq)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		// Stored meanwhile by another writer: keep that one, drop this copy.
		if _, err := p.pool.Exec(ctx, p.q.Get("drop"), id); err != nil {
			return Ref{}, fmt.Errorf("originals: drop duplicate: %w", err)
		}
		return ref, nil
	}
	if err != nil {
		return Ref{}, fmt.Errorf("originals: store file: %w", err)
	}
	return ref, nil
}

// Open streams the file chunk by chunk, one query per chunk.
func (p *Postgres) Open(ctx context.Context, hash []byte) (io.ReadCloser, error) {
	var id, size int64
	var chunks int
	err := p.pool.QueryRow(ctx, p.q.Get("lookup"), hash).Scan(&id, &size, &chunks)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("originals: open %s: %w", hex.EncodeToString(hash), err)
	}
	cr := &chunkReader{ctx: ctx, p: p, id: id, chunks: chunks, left: size}
	return io.NopCloser(newVerifier(cr, hash)), nil
}

// chunkReader reads the chunks of one file in order.
type chunkReader struct {
	ctx    context.Context
	p      *Postgres
	id     int64
	next   int
	chunks int
	left   int64 // bytes the row says are still to come
	buf    []byte
}

func (c *chunkReader) Read(b []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.next == c.chunks {
			if c.left != 0 {
				return 0, ErrCorrupt
			}
			return 0, io.EOF
		}
		var data []byte
		err := c.p.pool.QueryRow(c.ctx, c.p.q.Get("get_chunk"), c.id, c.next).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("chunk %d missing: %w", c.next, ErrCorrupt)
		}
		if err != nil {
			return 0, fmt.Errorf("originals: read chunk %d: %w", c.next, err)
		}
		c.next++
		c.left -= int64(len(data))
		if c.left < 0 {
			return 0, ErrCorrupt
		}
		c.buf = data
	}
	n := copy(b, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// Has reports whether a complete file is stored under hash.
func (p *Postgres) Has(ctx context.Context, hash []byte) (bool, error) {
	var id, size int64
	var chunks int
	err := p.pool.QueryRow(ctx, p.q.Get("lookup"), hash).Scan(&id, &size, &chunks)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("originals: look up %s: %w", hex.EncodeToString(hash), err)
	}
	return true, nil
}

// Release deletes the file unless it is still referenced, in one
// statement, so that no document made from it meanwhile loses it.
func (p *Postgres) Release(ctx context.Context, hash []byte) (bool, error) {
	tag, err := p.pool.Exec(ctx, p.q.Get("delete_unreferenced"), hash, hex.EncodeToString(hash))
	if err != nil {
		return false, fmt.Errorf("originals: release %s: %w", hex.EncodeToString(hash), err)
	}
	return tag.RowsAffected() > 0, nil
}

// SweepUnfinished removes files whose writer died before finishing them,
// begun more than age ago.
func (p *Postgres) SweepUnfinished(ctx context.Context, age time.Duration) (int64, error) {
	tag, err := p.pool.Exec(ctx, p.q.Get("sweep_unfinished"), fmt.Sprintf("%d seconds", int64(age.Seconds())))
	if err != nil {
		return 0, fmt.Errorf("originals: sweep: %w", err)
	}
	return tag.RowsAffected(), nil
}

// referenced reports whether a current document or a waiting job needs
// the file with hash (for stores outside the database).
func referenced(ctx context.Context, pool *pgxpool.Pool, hash []byte) (bool, error) {
	q, err := queries()
	if err != nil {
		return false, err
	}
	var ref bool
	if err := pool.QueryRow(ctx, q.Get("referenced"), hash, hex.EncodeToString(hash)).Scan(&ref); err != nil {
		return false, fmt.Errorf("originals: is %s referenced: %w", hex.EncodeToString(hash), err)
	}
	return ref, nil
}
