/** Small runnable programs that use Graft. They hold no library logic. */
package ai.graft.samples;
