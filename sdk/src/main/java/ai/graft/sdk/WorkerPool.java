package ai.graft.sdk;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;

/**
 * The {@link Worker}s of one classifier: a call borrows one (the most recently returned, whose
 * buffers are warm) and gives it back; a new one is made when all are busy, so there are as many as
 * calls ever ran at once. Thread-safe.
 */
final class WorkerPool {
    private final Supplier<Worker> factory;
    private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
    private final List<Worker> all = new ArrayList<>();

    /**
     * An empty pool.
     *
     * @param factory makes a worker when none is idle
     */
    WorkerPool(Supplier<Worker> factory) {
        this.factory = factory;
    }

    /** An idle worker, or a new one; give it back with {@link #release}. */
    Worker borrow() {
        Worker w = idle.pollFirst();
        if (w == null) {
            w = factory.get();
            synchronized (all) {
                all.add(w);
            }
        }
        return w;
    }

    /** Gives a borrowed worker back. */
    void release(Worker w) {
        idle.addFirst(w);
    }

    /** Closes every worker; the caller makes sure that none is borrowed. */
    void close() {
        synchronized (all) {
            for (Worker w : all) {
                w.close();
            }
            all.clear();
        }
        idle.clear();
    }
}
