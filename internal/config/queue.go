package config

// QueueConfig bounds the generations running on the chat backend; the
// questions beyond wait, served user by user in turns (internal/fairqueue).
type QueueConfig struct {
	// ChatParallel is how many generations run at once.
	ChatParallel int
}

// queueSettings are the rows of the generation queue.
func queueSettings() []Setting {
	return []Setting{
		{Flag: "chat-parallel", Env: "CIVITAS_CHAT_PARALLEL", Default: "1", Only: "assistant",
			Usage: "generations the chat backend runs at once: set it to the server's parallelism (Ollama's OLLAMA_NUM_PARALLEL, by default 1); further questions wait, each user's in order, users served in turns",
			set:   intBetween(1, 1024, "", func(c *Config) *int { return &c.Queue.ChatParallel })},
	}
}
