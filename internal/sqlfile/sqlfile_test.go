package sqlfile

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		want    map[string]string
		wantErr string
	}{
		{name: "two queries with comments", text: "-- header\n-- name: A\nSELECT 1;\n\n-- name: B\n-- why\nSELECT 2;\n",
			want: map[string]string{"A": "SELECT 1;", "B": "-- why\nSELECT 2;"}},
		{name: "empty query", text: "-- name: A\n\n-- name: B\nSELECT 1;", wantErr: "query A is empty"},
		{name: "duplicate", text: "-- name: A\nSELECT 1;\n-- name: A\nSELECT 2;", wantErr: "defined twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(fstest.MapFS{"q/test.sql": {Data: []byte(tt.text)}, "q/notes.txt": {Data: []byte("-- name: X")}}, "q")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("query %s = %q, want %q", k, got[k], v)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d queries, want %d", len(got), len(tt.want))
			}
		})
	}
}
