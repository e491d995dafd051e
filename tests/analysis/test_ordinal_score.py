"""The ordered model's score in closed form is the derivative of statsmodels' own log-likelihood.

R's polr values (test_published) check the fit; here the gradient itself, for the logit and probit
links, so that a wrong term cannot hide behind an optimiser that still lands near the optimum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.numdiff import approx_fprime

from analysis.ordinal import _with_analytic_score


@pytest.mark.parametrize("distr", ["logit", "probit"])
def test_score_is_the_loglikelihoods_gradient(distr):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 3))
    latent = X @ [1.0, -0.5, 0.2] + rng.logistic(size=400)
    answers = pd.Series(pd.Categorical(np.digitize(latent, [-1.0, 0.5, 2.0]), ordered=True))
    model = _with_analytic_score(OrderedModel)(answers, X, distr=distr)
    for params in (np.array([0.3, -0.2, 0.1, -0.5, 0.2, 0.4]), np.array([1.0, 0.0, -0.4, 0.1, -1.0, 0.3])):
        numeric = approx_fprime(params, model.loglike, centered=True)
        assert_allclose(model.score(params), numeric, rtol=1e-5, atol=1e-5)
        assert_allclose(model.score_obs(params).sum(0), model.score(params), rtol=1e-10, atol=1e-10)
