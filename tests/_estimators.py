"""One small, fast instance of every public estimator, for the tests that
run them all: scikit-learn's checks (``test_common.py``) and the cluster
runs (``test_dask.py``). ``test_common.py`` fails when one is missing.
"""

import torch
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler
from torch import nn

import sktransfer
from sktransfer.model_selection import AdaptationSearchCV


def feature_noise(X, generator):
    """A surrogate task's augmentation for feature rows: Gaussian noise."""
    return X + 0.1 * torch.randn(X.shape, generator=generator).to(X.device)


INSTANCES = {
    "SourceOnlyClassifier": [sktransfer.SourceOnlyClassifier()],
    "SourceOnlyRegressor": [sktransfer.SourceOnlyRegressor()],
    "CORAL": [sktransfer.CORAL()],
    "SubspaceAlignment": [sktransfer.SubspaceAlignment(n_components=2)],
    "DANNClassifier": [
        sktransfer.DANNClassifier(max_epochs=2, random_state=0, verbose=0)
    ],
    # This net, the distilled student and the fine-tuned nets learn fast
    # enough (a higher lr, a few more epochs) for check_classifiers_train
    # (training accuracy above 0.83) and check_regressors_train (R^2 above
    # 0.5); measured: accuracy 0.92-0.98, R^2 0.74-0.81.
    "DANNRegressor": [
        sktransfer.DANNRegressor(lr=0.01, max_epochs=4, random_state=0, verbose=0)
    ],
    # The nets past DANN, as small (the regressors as fast) as DANN's.
    "CDANClassifier": [
        sktransfer.CDANClassifier(max_epochs=2, random_state=0, verbose=0)
    ],
    "MCCClassifier": [
        sktransfer.MCCClassifier(max_epochs=2, random_state=0, verbose=0)
    ],
    "DeepCORALClassifier": [
        sktransfer.DeepCORALClassifier(max_epochs=2, random_state=0, verbose=0)
    ],
    "DeepCORALRegressor": [
        sktransfer.DeepCORALRegressor(lr=0.01, max_epochs=4, random_state=0, verbose=0)
    ],
    "DANClassifier": [
        sktransfer.DANClassifier(max_epochs=2, random_state=0, verbose=0)
    ],
    "DANRegressor": [
        sktransfer.DANRegressor(lr=0.01, max_epochs=4, random_state=0, verbose=0)
    ],
    "DomainConfusionClassifier": [
        sktransfer.DomainConfusionClassifier(
            max_epochs=2, pretrain_epochs=2, random_state=0, verbose=0
        )
    ],
    "DistilledClassifier": [
        sktransfer.DistilledClassifier(
            LogisticRegression(), lr=0.02, max_epochs=2, random_state=0, verbose=0
        )
    ],
    # A parameter-free body takes rows of any width.
    "DeepFeatureTransformer": [sktransfer.DeepFeatureTransformer(nn.Tanh())],
    "FineTunedClassifier": [
        sktransfer.FineTunedClassifier(
            nn.Tanh(), lr=0.05, max_epochs=2, random_state=0, verbose=0
        )
    ],
    "FineTunedRegressor": [
        sktransfer.FineTunedRegressor(
            nn.Tanh(), lr=0.05, max_epochs=10, random_state=0, verbose=0
        )
    ],
    # Feature rows take an augmentation of their own (the default changes
    # images).
    "SurrogatePretrainer": [
        sktransfer.SurrogatePretrainer(
            task="contrastive",
            augmentation=feature_noise,
            max_epochs=2,
            random_state=0,
            verbose=0,
        )
    ],
    "KMMReweighter": [sktransfer.KMMReweighter(n_components=None)],
    "DensityRatioWeighter": [],  # checked in test_density_ratio.py, one per method
    "ImportanceWeightedClassifier": [
        sktransfer.ImportanceWeightedClassifier(weighter=sktransfer.KMMReweighter())
    ],
    "ImportanceWeightedRegressor": [sktransfer.ImportanceWeightedRegressor()],
    # Three folds: some checks train on a handful of rows per class.
    "LabelShiftClassifier": [
        sktransfer.LabelShiftClassifier(cv=3, n_bootstrap=5, random_state=0)
    ],
    "LabelShiftReweighter": [
        sktransfer.LabelShiftReweighter(cv=3, n_bootstrap=5, random_state=0)
    ],
    "DAPipeline": [
        sktransfer.make_da_pipeline(StandardScaler(), sktransfer.SourceOnlyClassifier())
    ],
    # A few target labels. The checks fit without them (every row labelled,
    # no sample_domain): each estimator's source-only form.
    "FeatureAugmenter": [sktransfer.FeatureAugmenter()],
    "FeatureAugmentedClassifier": [sktransfer.FeatureAugmentedClassifier()],
    "FeatureAugmentedRegressor": [sktransfer.FeatureAugmentedRegressor()],
    "BalancedWeightingClassifier": [
        sktransfer.BalancedWeightingClassifier(random_state=0)
    ],
    "BalancedWeightingRegressor": [
        sktransfer.BalancedWeightingRegressor(random_state=0)
    ],
    "TrAdaBoostClassifier": [sktransfer.TrAdaBoostClassifier(random_state=0)],
    "TrAdaBoostRegressor": [sktransfer.TrAdaBoostRegressor(random_state=0)],
    "TwoStageTrAdaBoostRegressor": [
        sktransfer.TwoStageTrAdaBoostRegressor(random_state=0)
    ],
    "RegularTransferClassifier": [sktransfer.RegularTransferClassifier(random_state=0)],
    "RegularTransferRegressor": [sktransfer.RegularTransferRegressor(random_state=0)],
    "PREDClassifier": [sktransfer.PREDClassifier()],
    "PREDRegressor": [sktransfer.PREDRegressor()],
    "ContinuedBoostingClassifier": [
        sktransfer.ContinuedBoostingClassifier(random_state=0)
    ],
    "ContinuedBoostingRegressor": [
        sktransfer.ContinuedBoostingRegressor(random_state=0)
    ],
    # Two folds: the checks' tables are small.
    "AdaptationSearchCV": [
        AdaptationSearchCV(LogisticRegression(), cv=2, random_state=0),
        AdaptationSearchCV(Ridge(), cv=2, random_state=0),
    ],
}
