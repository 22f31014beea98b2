package main

import (
	"context"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/store"
)

// storeOptions returns the store's options from cfg: the vector type of
// newly registered embedding models and, with --database-read-url, a pool
// on the read replica that retrieval uses. close closes that pool.
func storeOptions(ctx context.Context, cfg config.Config, maxConns int32) (opts []store.Option, close func(), err error) {
	opts = []store.Option{store.WithVectorType(cfg.Database.VectorType)}
	if cfg.Database.ReadURL == "" {
		return opts, func() {}, nil
	}
	read, err := store.OpenPool(ctx, cfg.Database.ReadURL, maxConns)
	if err != nil {
		return nil, nil, err
	}
	return append(opts, store.WithReadDB(read)), read.Close, nil
}
