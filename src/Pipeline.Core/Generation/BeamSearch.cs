using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Generation;

/// <summary>
/// Beam search as HF's generate runs it (BeamSearchScorer): each prompt keeps <c>NumBeams</c> running beams (all but
/// the first start at −1e9, so the first step spreads them over distinct tokens); each step scores every beam's
/// continuations by sum of log-softmax, takes the best 2·NumBeams, sends those that end the text to the finished
/// hypotheses (only if ranked among the first NumBeams) and continues the best NumBeams others. A prompt is done when
/// <see cref="BeamHypotheses.IsDone"/> says so; at the budget's end the running beams join the hypotheses too.
/// </summary>
static class BeamSearch
{
    public static IReadOnlyList<Completion> Run(ICausalLanguageModel model, Tensor ids, Tensor mask, IReadOnlyList<IReadOnlyList<int>> prompts,
        GenerationOptions options, int eosId, int padId)
    {
        int batch = prompts.Count, beams = options.NumBeams;
        using var expandedIds = ids.repeat_interleave(beams, dim: 0);
        using var expandedMask = mask.repeat_interleave(beams, dim: 0);
        using var session = new DecodingSession(model, expandedIds, expandedMask, options.UseCache);
        var hypotheses = Enumerable.Range(0, batch).Select(_ => new BeamHypotheses(beams, options.LengthPenalty, options.EarlyStopping)).ToArray();
        var done = new bool[batch];
        // Per running row (prompt b, beam k at b·beams + k): its real tokens and its generated ones.
        var history = Enumerable.Range(0, batch * beams).Select(r => prompts[r / beams].ToList()).ToList();
        var generated = Enumerable.Range(0, batch * beams).Select(_ => new List<int>()).ToList();
        var beamScores = new double[batch * beams];
        for (int r = 0; r < beamScores.Length; r++) beamScores[r] = r % beams == 0 ? 0 : -1e9;

        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            using var scope = NewDisposeScope();
            var logProbs = session.NextLogits().log_softmax(-1);
            LogitsProcessing.BanRepeatedNgrams(logProbs, history, options.NoRepeatNgramSize);
            long vocab = logProbs.shape[1];
            var scores = (logProbs.to(ScalarType.Float64) + tensor(beamScores, device: logProbs.device).view(-1, 1)).view(batch, beams * vocab);
            var (top, index) = scores.topk(2 * beams, -1);
            var topScores = top.cpu().data<double>().ToArray();
            var topIndex = index.cpu().data<long>().ToArray();

            // HF's cur_len: the length the scores were computed for, i.e. with the candidate token.
            int generatedLength = step + 1;
            var nextScores = new double[batch * beams];
            var nextTokens = new long[batch * beams];
            var nextRows = new long[batch * beams];
            for (int b = 0; b < batch; b++)
            {
                if (done[b])
                {
                    for (int k = 0; k < beams; k++) (nextScores[b * beams + k], nextTokens[b * beams + k], nextRows[b * beams + k]) = (0, padId, b * beams);
                    continue;
                }
                int kept = 0;
                for (int rank = 0; rank < 2 * beams && kept < beams; rank++)
                {
                    double score = topScores[b * 2 * beams + rank];
                    long flat = topIndex[b * 2 * beams + rank];
                    int row = b * beams + (int)(flat / vocab), token = (int)(flat % vocab);
                    if (token == eosId)
                    {
                        // An ending ranked below the first NumBeams candidates is not a hypothesis (HF).
                        if (rank < beams) hypotheses[b].Add([.. generated[row]], true, score, generatedLength);
                        continue;
                    }
                    (nextScores[b * beams + kept], nextTokens[b * beams + kept], nextRows[b * beams + kept]) = (score, token, row);
                    kept++;
                }
                done[b] = hypotheses[b].IsDone(topScores.Skip(b * 2 * beams).Take(2 * beams).Max(), generatedLength);
            }

            history = [.. nextRows.Select((row, i) => new List<int>(history[(int)row]) { (int)nextTokens[i] })];
            generated = [.. nextRows.Select((row, i) => new List<int>(generated[(int)row]) { (int)nextTokens[i] })];
            beamScores = nextScores;
            if (done.All(d => d)) break;
            if (step + 1 < options.MaxNewTokens)
                session.Append(tensor(nextTokens, device: logProbs.device), tensor(nextRows, device: logProbs.device));
        }

        // Prompts still running at the budget's end: their beams become hypotheses as they stand.
        for (int b = 0; b < batch; b++)
        {
            if (done[b]) continue;
            for (int k = 0; k < beams; k++)
            {
                int row = b * beams + k;
                hypotheses[b].Add([.. generated[row]], false, beamScores[row], generated[row].Count);
            }
        }
        // Never empty: a prompt is done only with NumBeams hypotheses, and the others have just received theirs.
        return [.. hypotheses.Select(h => h.Best()).Select(best => new Completion(best.Tokens, best.EndedWithEos, best.Score))];
    }
}
