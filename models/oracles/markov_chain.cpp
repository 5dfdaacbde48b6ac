// Forward-backward marginals of a first-order Markov chain given revealed tokens (mask id V): with evidence
// e_c = one-hot(x_c) if revealed, all-ones if masked, alpha and beta are normalised at every position so the
// product alpha_c .* beta_c, renormalised, is P(x_c | revealed) without underflow. O(C V^2) per row. With sparse
// evidence the messages between revealed positions are rows and columns of P^k: the matrix-power form, O(C V) per row.
#include <pmm/models/oracles/markov_chain.hpp>

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/core/error.hpp>
#include <pmm/random/random.hpp>

namespace pmm {

Eigen::VectorXd stationary_distribution(const Eigen::MatrixXd& P) {
  const Index V = P.rows();
  Eigen::MatrixXd A(V + 1, V);
  A.topRows(V) = P.transpose() - Eigen::MatrixXd::Identity(V, V);
  A.row(V).setOnes();
  Eigen::VectorXd b = Eigen::VectorXd::Zero(V + 1);
  b[V] = 1.0;
  Eigen::VectorXd pi = A.colPivHouseholderQr().solve(b);
  pi = pi.cwiseMax(0.0);
  const double s = pi.sum();
  if (!(s > 0) || !pi.allFinite()) return Eigen::VectorXd::Constant(V, 1.0 / V);
  return pi / s;
}

MarkovChain markov_chain(Eigen::MatrixXd P, Eigen::VectorXd initial, const std::string& what) {
  const Index V = P.rows();
  require(V >= 1 && P.cols() == V, what,
          fmt::format("transition matrix must be square V x V, got {} x {}", P.rows(), P.cols()));
  for (Index a = 0; a < V; ++a) {
    double s = 0;
    for (Index b = 0; b < V; ++b) {
      require(std::isfinite(P(a, b)) && P(a, b) >= 0, what,
              fmt::format("transition P[{}, {}] must be finite and >= 0, got {}", a, b, P(a, b)));
      s += P(a, b);
    }
    require(std::abs(s - 1.0) <= 1e-9, what, fmt::format("row {} of the transition matrix sums to {}, not 1", a, s));
    P.row(a) /= s;
  }
  if (initial.size() == 0) initial = stationary_distribution(P);
  require(initial.size() == V, what,
          fmt::format("initial law has {} entries for a vocabulary of {}", initial.size(), V));
  double s = 0;
  for (Index v = 0; v < V; ++v) {
    require(std::isfinite(initial[v]) && initial[v] >= 0, what,
            fmt::format("initial probability {} must be finite and >= 0, got {}", v, initial[v]));
    s += initial[v];
  }
  require(std::abs(s - 1.0) <= 1e-9, what, fmt::format("initial law sums to {}, not 1", s));
  return {initial / s, P};
}

MarkovChain estimate_markov_chain(const std::vector<int>& tokens, Index n, int length, int vocab, double smoothing,
                                  const std::string& what) {
  require(vocab >= 1 && length >= 1 && n >= 1, what,
          fmt::format("needs n, length and vocabulary >= 1, got {}, {}, {}", n, length, vocab));
  require(static_cast<Index>(tokens.size()) == n * length, what,
          fmt::format("expected {} x {} token ids, got {}", n, length, tokens.size()));
  require(std::isfinite(smoothing) && smoothing >= 0, what, fmt::format("smoothing must be >= 0, got {}", smoothing));
  check_token_ids(tokens.data(), static_cast<Index>(tokens.size()), vocab, length, false, what);
  Eigen::MatrixXd counts = Eigen::MatrixXd::Constant(vocab, vocab, smoothing);
  for (Index r = 0; r < n; ++r) {
    const int* x = tokens.data() + r * length;
    for (int c = 1; c < length; ++c) counts(x[c - 1], x[c]) += 1.0;
  }
  for (Index a = 0; a < vocab; ++a) {
    const double s = counts.row(a).sum();
    if (s > 0)
      counts.row(a) /= s;
    else  // a token never followed by anything, without smoothing: make it absorbing-free (uniform)
      counts.row(a).setConstant(1.0 / vocab);
  }
  return markov_chain(std::move(counts), {}, what);
}

double sequence_log_probability(const MarkovChain& chain, const int* x, int length) {
  double lp = std::log(chain.initial[x[0]]);
  for (int c = 1; c < length; ++c) lp += std::log(chain.transition(x[c - 1], x[c]));
  return lp;
}

namespace {

class MarkovChainOracle final : public TokenOracle {
 public:
  MarkovChainOracle(MarkovChain chain, int length, bool powers)
      : chain_(std::move(chain)), C_(length), V_(chain_.vocab()), use_powers_(powers) {
    PT_ = chain_.transition.transpose();
    if (use_powers_) {
      // powers_[k] = P^k (k = 0 .. C-1), marginals_.col(c) = (pi0 P^c)^T
      powers_.resize(static_cast<size_t>(C_), Eigen::MatrixXd::Identity(V_, V_));
      for (int k = 1; k < C_; ++k) powers_[k] = powers_[k - 1] * chain_.transition;
      marginals_.resize(V_, C_);
      marginals_.col(0) = chain_.initial;
      for (int c = 1; c < C_; ++c) marginals_.col(c) = PT_ * marginals_.col(c - 1);
    }
    cdf_.resize(V_, V_ + 1);
    for (int a = 0; a <= V_; ++a) {  // column a < V: row a of P; column V: the initial law
      double acc = 0;
      for (int b = 0; b < V_; ++b) cdf_(b, a) = acc += (a < V_ ? chain_.transition(a, b) : chain_.initial[b]);
    }
  }
  int vocab() const override { return V_; }
  int length() const override { return C_; }
  std::string describe() const override {
    return fmt::format("markov-chain oracle (vocabulary {}, length {})", V_, C_);
  }

  void predict_rows(const std::vector<int>& tokens, const std::vector<double>& t, const std::vector<Index>&,
                    std::vector<double>& probs) const override {
    if (use_powers_)
      predict_powers(tokens, t.size(), probs);
    else
      predict_forward_backward(tokens, t.size(), probs);
  }

  void predict_powers(const std::vector<int>& tokens, size_t n, std::vector<double>& probs) const {
    std::vector<int> next(static_cast<size_t>(C_));
    for (size_t r = 0; r < n; ++r) {
      const int* x = tokens.data() + r * C_;
      int b = -1;  // nearest revealed position to the right
      for (int c = C_ - 1; c >= 0; --c) {
        next[c] = b;
        if (revealed(x[c])) b = c;
      }
      int a = -1;  // nearest revealed position to the left
      double* out = probs.data() + r * static_cast<size_t>(C_) * V_;
      for (int c = 0; c < C_; ++c) {
        double* o = out + static_cast<size_t>(c) * V_;
        if (revealed(x[c])) {  // not read by the samplers; one-hot keeps the output a distribution
          std::fill(o, o + V_, 0.0);
          o[x[c]] = 1.0;
          a = c;
          continue;
        }
        const int bn = next[c];
        double s = 0;
        for (int v = 0; v < V_; ++v) {
          const double left = a >= 0 ? powers_[c - a](x[a], v) : marginals_(v, c);
          const double right = bn >= 0 ? powers_[bn - c](v, x[bn]) : 1.0;
          s += o[v] = left * right;
        }
        if (!(s > 0)) {  // impossible evidence: drop the right neighbour, then the left one
          s = 0;
          for (int v = 0; v < V_; ++v) s += o[v] = a >= 0 ? powers_[c - a](x[a], v) : marginals_(v, c);
          if (!(s > 0)) {
            std::fill(o, o + V_, 1.0);
            s = V_;
          }
        }
        for (int v = 0; v < V_; ++v) o[v] /= s;
      }
    }
  }

  void predict_forward_backward(const std::vector<int>& tokens, size_t n, std::vector<double>& probs) const {
    Eigen::MatrixXd alpha(V_, C_), beta(V_, C_);
    Eigen::VectorXd tmp(V_), e(V_);
    for (size_t r = 0; r < n; ++r) {
      const int* x = tokens.data() + r * C_;
      // forward
      for (int c = 0; c < C_; ++c) {
        if (c == 0)
          tmp = chain_.initial;
        else
          tmp.noalias() = PT_ * alpha.col(c - 1);
        apply_evidence(tmp, x[c]);
        double s = tmp.sum();
        if (!(s > 0)) {  // impossible evidence: restart the chain here
          tmp.setConstant(1.0);
          apply_evidence(tmp, x[c]);
          s = tmp.sum();
        }
        alpha.col(c) = tmp / s;
      }
      // backward
      beta.col(C_ - 1).setConstant(1.0 / V_);
      for (int c = C_ - 2; c >= 0; --c) {
        e = beta.col(c + 1);
        apply_evidence(e, x[c + 1]);
        tmp.noalias() = chain_.transition * e;
        double s = tmp.sum();
        if (!(s > 0)) {
          tmp.setConstant(1.0);
          s = V_;
        }
        beta.col(c) = tmp / s;
      }
      double* out = probs.data() + r * static_cast<size_t>(C_) * V_;
      for (int c = 0; c < C_; ++c) {
        double* o = out + static_cast<size_t>(c) * V_;
        double s = 0;
        for (int v = 0; v < V_; ++v) s += o[v] = alpha(v, c) * beta(v, c);
        if (!(s > 0)) {
          for (int v = 0; v < V_; ++v) o[v] = alpha(v, c);
          continue;
        }
        for (int v = 0; v < V_; ++v) o[v] /= s;
      }
    }
  }

  std::vector<int> sample(Index n, std::uint64_t seed, Index path0) const override {
    std::vector<int> out(static_cast<size_t>(n) * C_);
    for (Index j = 0; j < n; ++j) {
      UniformStream u(seed, static_cast<std::uint64_t>(path0 + j), 0, Stream::kInit, 0);
      int prev = V_;  // column V of cdf_ is the initial law
      for (int c = 0; c < C_; ++c) {
        const double target = u.next() * cdf_(V_ - 1, prev);
        int v = 0;
        while (v < V_ - 1 && cdf_(v, prev) <= target) ++v;
        out[static_cast<size_t>(j) * C_ + c] = prev = v;
      }
    }
    return out;
  }

 private:
  bool revealed(int token) const { return token >= 0 && token < V_; }
  void apply_evidence(Eigen::VectorXd& v, int token) const {
    if (token >= 0 && token < V_) {
      const double keep = v[token];
      v.setZero();
      v[token] = keep;
    }
  }
  MarkovChain chain_;
  int C_, V_;
  bool use_powers_;
  Eigen::MatrixXd PT_, cdf_, marginals_;
  std::vector<Eigen::MatrixXd> powers_;
};

}  // namespace

TokenOraclePtr markov_chain_oracle(MarkovChain chain, int length, MarkovMarginals method) {
  require(length >= 1 && length < (1 << 24), "markov-chain oracle",
          fmt::format("length must be in [1, 2^24), got {}", length));
  chain = markov_chain(std::move(chain.transition), std::move(chain.initial), "markov-chain oracle");
  const double table = static_cast<double>(length) * chain.vocab() * chain.vocab();
  const bool powers = method == MarkovMarginals::kMatrixPowers ||
                      (method == MarkovMarginals::kAuto && table <= static_cast<double>(1 << 24));
  return std::make_shared<MarkovChainOracle>(std::move(chain), length, powers);
}

}  // namespace pmm
