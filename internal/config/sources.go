package config

import (
	"errors"
	"path/filepath"
	"time"
)

// SourcesConfig are the settings of scheduled sources (internal/sources).
type SourcesConfig struct {
	// FolderRoots are the folders under which folder sources may lie;
	// none: the folder kind is refused, so that knowledge managers
	// cannot publish whatever the server's user can read.
	FolderRoots []string
	// Tick is how often each process looks for due syncs.
	Tick time.Duration
}

func sourcesSettings() []Setting {
	return []Setting{
		{Flag: "sources-folder-roots", Env: "CIVITAS_SOURCES_FOLDER_ROOTS", Default: "", Only: "assistant",
			Usage: "comma-separated absolute folders under which `folder` sources may lie (mounted shares); empty: folder sources are refused",
			set: func(c *Config, v string) error {
				c.Sources.FolderRoots = SplitList(v)
				for _, r := range c.Sources.FolderRoots {
					if !filepath.IsAbs(r) {
						return errors.New("want absolute paths")
					}
				}
				return nil
			}},
		{Flag: "sources-tick", Env: "CIVITAS_SOURCES_TICK", Default: "30s", Only: "assistant",
			Usage: "how often each server or worker running jobs looks for sources whose scheduled sync is due",
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < time.Second {
					return errors.New("want a duration of at least 1s, e.g. 30s")
				}
				c.Sources.Tick = d
				return nil
			}},
	}
}
