package inference_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/store"
)

// BenchmarkIngestEmbeddingHosts measures an ingest's throughput (chunks/s)
// with one and with two embedding hosts, in the same process on the same
// documents: two Ollama servers of the benchmark's own, the second one
// used only by hosts=2. On one machine both servers share its cores, so
// the gain shows the pipeline keeping both busy, not two machines' worth.
//
//	go test ./internal/inference -run '^$' -bench IngestEmbeddingHosts -benchtime 3x
func BenchmarkIngestEmbeddingHosts(b *testing.B) {
	pa, pb := ollamatest.StartProcess(b), ollamatest.StartProcess(b)
	model := ollamatest.Model(b, pa.Client(), ollamatest.RandomFile)
	ollamatest.Model(b, pb.Client(), ollamatest.RandomFile)
	st, err := store.New(dbtest.Migrated(b))
	if err != nil {
		b.Fatal(err)
	}
	docs := writeDocs(b, 120)
	for _, n := range []int{1, 2} {
		b.Run(map[int]string{1: "hosts=1", 2: "hosts=2"}[n], func(b *testing.B) {
			backends := []inference.Backend{inference.NewBackend(inference.KindOllama, pa.URL, "", n > 1)}
			if n == 2 {
				backends = append(backends, inference.NewBackend(inference.KindOllama, pb.URL, "", true))
			}
			pool := inference.NewPool(inference.PoolConfig{Role: "embed", Kind: inference.KindOllama}, nil, backends...)
			chunks, elapsed := 0, time.Duration(0)
			for b.Loop() {
				in := ingest.New(st, pool, quiet)
				start := time.Now()
				rep, err := in.Run(context.Background(), ingest.Options{Roots: []string{docs}, Collection: dbtest.UniqueName("bench-"),
					EmbedModel: model, Workers: 2, BatchSize: 32, Extract: extract.DefaultOptions(), Lease: time.Minute})
				elapsed += time.Since(start)
				if err != nil || rep.Failed > 0 {
					b.Fatalf("ingest: %+v, %v", rep, err)
				}
				chunks += rep.Chunks
			}
			b.ReportMetric(float64(chunks)/elapsed.Seconds(), "chunks/s")
		})
	}
}

// BenchmarkEmbedHosts measures the pool alone, without the database: 512
// chunk-sized texts embedded in batches of 32 (as the ingest sends them)
// over one and over two Ollama servers of the benchmark's own.
//
//	go test ./internal/inference -run '^$' -bench EmbedHosts -benchtime 3x
func BenchmarkEmbedHosts(b *testing.B) {
	pa, pb := ollamatest.StartProcess(b), ollamatest.StartProcess(b)
	model := ollamatest.Model(b, pa.Client(), ollamatest.RandomFile)
	ollamatest.Model(b, pb.Client(), ollamatest.RandomFile)
	texts := make([]string, 512)
	for i := range texts {
		texts[i] = strings.Repeat("The recycling centre accepts paper, glass and garden waste on weekdays. ", 12) + fmt.Sprint(i)
	}
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			backends := []inference.Backend{inference.NewBackend(inference.KindOllama, pa.URL, "", n > 1)}
			if n == 2 {
				backends = append(backends, inference.NewBackend(inference.KindOllama, pb.URL, "", true))
			}
			pool := inference.NewPool(inference.PoolConfig{Role: "embed", Kind: inference.KindOllama}, nil, backends...)
			done, elapsed := 0, time.Duration(0)
			for b.Loop() {
				start := time.Now()
				for i := 0; i < len(texts); i += 32 {
					if _, err := pool.Embed(context.Background(), model, texts[i:i+32]); err != nil {
						b.Fatal(err)
					}
				}
				elapsed += time.Since(start)
				done += len(texts)
			}
			b.ReportMetric(float64(done)/elapsed.Seconds(), "chunks/s")
		})
	}
}
