package library

// PathUsers is how many holders and waiters the lock of path has, for
// tests that must know a caller is blocked on it.
func (s *Service) PathUsers(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.pathLocks[path]; l != nil {
		return l.users
	}
	return 0
}
