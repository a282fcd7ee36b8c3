package io.streamdr.core.progress;

/**
 * Told how a long operation (a backup, a restore, a verification) advances. Called from the operation's own threads,
 * at most every quarter of a second and once more when it ends ({@link Progress#done()}); it must return quickly and
 * never throw. Register one with the operation's builder ({@code TopicBackup.Builder.progress}, …).
 */
@FunctionalInterface
public interface ProgressListener {
  /** A listener that ignores everything. */
  ProgressListener NONE = p -> { };

  void onProgress(Progress progress);
}
