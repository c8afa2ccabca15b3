"""Recurrent blocks of standalone packages (issue 18): minGRU/minLSTM (`minGRU-pytorch`), SRU (`sru`), xLSTM
(`xlstm`) and CfC/LTC (`ncps`), one framework convention per package, each as `named_parameters()` and
`state_dict()` of the real package name its tensors. `common.py` holds what they share."""
