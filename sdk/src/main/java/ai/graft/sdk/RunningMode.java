package ai.graft.sdk;

/**
 * How a {@link VideoClassifier} consumes its frames (after MediaPipe's running modes).
 *
 * <ul>
 *   <li>{@link #VIDEO}: synchronous. Every selected frame is classified, in order, on the calling
 *       thread; nothing is dropped and timestamps increase. For files and offline analysis.
 *   <li>{@link #LIVE}: asynchronous. A reader thread grabs frames as fast as the source gives them;
 *       the newest frame wins, and frames that arrive while the model is busy are dropped and
 *       counted. For cameras and network streams, where being current matters more than being
 *       complete.
 * </ul>
 */
public enum RunningMode {
    /** Synchronous: every selected frame, in order. */
    VIDEO,
    /** Asynchronous: the newest frame, dropping frames while the model is busy. */
    LIVE
}
