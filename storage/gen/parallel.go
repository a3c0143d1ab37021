package gen

import "sync"

// ordered runs produce for i = 0..n-1 on workers goroutines (worker w gets
// w, for its own state) and passes the results to consume on the calling
// goroutine, in order of i. At most about 2 x workers results wait for
// consume at a time; the buffers consume has finished with are reused.
// The first error of either function stops the run and is returned; every
// goroutine has ended when ordered returns.
func ordered(n int64, workers int, produce func(w int, i int64, buf []byte) ([]byte, error), consume func([]byte) error) error {
	workers = max(1, workers)
	type job struct {
		i    int64
		buf  []byte
		err  error
		done chan struct{}
	}
	window := 2 * workers
	pending := make(chan *job, window) // in order, for consume
	jobs := make(chan *job)            // for the workers
	free := make(chan []byte, window+workers+1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				var buf []byte
				select {
				case buf = <-free:
				default:
				}
				j.buf, j.err = produce(w, j.i, buf[:0])
				close(j.done)
			}
		}()
	}
	wg.Add(1)
	go func() { // the dispatcher
		defer wg.Done()
		defer close(jobs)
		defer close(pending)
		for i := range n {
			j := &job{i: i, done: make(chan struct{})}
			select {
			case pending <- j:
			case <-stop:
				return
			}
			select {
			case jobs <- j:
			case <-stop:
				return
			}
		}
	}()
	var err error
	for j := range pending {
		<-j.done
		if err = j.err; err == nil {
			err = consume(j.buf)
		}
		if err != nil {
			break
		}
		select {
		case free <- j.buf:
		default:
		}
	}
	close(stop) // the dispatcher returns; the workers finish the jobs they hold
	wg.Wait()
	return err
}
