package ai.graft.trainer.compare;

/**
 * The model a comparison recommends, and why in words: the most accurate one on the test images
 * within the budgets, or none when nothing fits them (the reason then says what came closest).
 *
 * @param best the chosen model, or null when no measured model fits the budgets
 * @param reason why, in one or two sentences naming the figures
 */
public record Choice(Measurement best, String reason) {}
