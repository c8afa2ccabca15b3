"""Recurrent blocks of standalone packages (issue 18): minGRU/minLSTM (`minGRU-pytorch`), SRU (`sru`), xLSTM
(`xlstm`), CfC/LTC (`ncps`), RWKV-7 (`flash-linear-attention`) and the reference IndRNN/QRNN, one framework
convention per package, each naming its tensors as the real package's `named_parameters()` and `state_dict()` do.
`common.py` holds what they share."""
