/// Estimated token counts for text whose real counts are unknown (Copilot's chat files carry none).
///
/// Method: ⌈characters / 4⌉, counting Unicode scalars — the usual rule of thumb for English
/// text and code with GPT and Claude tokenizers (OpenAI documents ~4 characters per token).
/// Input is estimated from the prompt text only (the context Copilot adds is not in the file),
/// output from the response's text parts. Events carry `metrics.tokensEstimated: true`.
public enum TokenEstimator {
    public static func estimate(_ text: String) -> Int64 {
        let n = Int64(text.unicodeScalars.count)
        return (n + 3) / 4
    }
}
